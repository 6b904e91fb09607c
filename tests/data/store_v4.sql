-- A schema version 4 database as the release before the record kinds
-- (commit bf551a1) wrote it against real brokers (sqlite3 .dump, with the
-- user_version line added: .dump leaves it out).  Six hazards with their
-- events, every one of a kind that version 5 tells apart:
--   H1 gas_leak         gas-1   closed (acknowledged "on my way",
--                               rectifying, cleared, closed)        -> alarm ended
--   H2 device_offline   hb-1    open (raised, cleared, reopened)    -> fault active
--   H3 smoke_alarm      smoke-1 open                                -> alarm active
--   H4 charger_overtemp chg-2   cleared, never closed               -> alarm ended
--   H5 low_battery      batt-1  acknowledged "battery ordered"      -> fault active
--   H6 overcharge       chg-1   open                                -> hazard open
-- The district link went down after H5's acknowledgement: H2's cleared
-- and reopened, H6's raised and three telemetry batches are still in the
-- outbox as version 1 messages.
-- tests/e2e/t_upgrade.sh migrates it with the current hazardd.
PRAGMA user_version=4;
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE meta (  key   TEXT PRIMARY KEY,  value);
INSERT INTO meta VALUES('epoch','3491fa7d');
INSERT INTO meta VALUES('hazard_seq',6);
INSERT INTO meta VALUES('summary_last_day',20793);
INSERT INTO meta VALUES('telemetry_seq',41);
CREATE TABLE sites (  id      TEXT PRIMARY KEY,  kind    TEXT NOT NULL,  name    TEXT NOT NULL DEFAULT '',  address TEXT NOT NULL DEFAULT '',  grid    TEXT NOT NULL DEFAULT '');
INSERT INTO sites VALUES('site-1','restaurant','E2E kitchen','1 Test Road','G-E2E');
INSERT INTO sites VALUES('site-2','charging_station','E2E e-bike shed','2 Test Road','G-E2E');
CREATE TABLE devices (  id     TEXT PRIMARY KEY,  kind   TEXT NOT NULL,  site   TEXT NOT NULL,  topic  TEXT NOT NULL,  format TEXT NOT NULL);
INSERT INTO devices VALUES('gas-1','gas_detector','site-1','t/gas-1','native');
INSERT INTO devices VALUES('smoke-1','smoke_alarm','site-1','t/smoke-1','native');
INSERT INTO devices VALUES('hb-1','smoke_alarm','site-1','t/hb-1','native');
INSERT INTO devices VALUES('batt-1','smoke_alarm','site-1','t/batt-1','native');
INSERT INTO devices VALUES('chg-1','ebike_charger','site-2','t/chg-1','native');
INSERT INTO devices VALUES('chg-2','ebike_charger','site-2','t/chg-2','native');
CREATE TABLE readings (  seq    INTEGER PRIMARY KEY AUTOINCREMENT,  device TEXT NOT NULL,  ts_ms  INTEGER NOT NULL,  data   TEXT NOT NULL);
INSERT INTO readings VALUES(1,'chg-1',1796614047323,'{"ts":1796614047323,"power_w":120}');
INSERT INTO readings VALUES(2,'gas-1',1796614047400,'{"ts":1796614047400,"gas_lel":30}');
INSERT INTO readings VALUES(3,'gas-1',1796614047700,'{"ts":1796614047700,"gas_lel":30}');
INSERT INTO readings VALUES(4,'gas-1',1796614048001,'{"ts":1796614048001,"gas_lel":30}');
INSERT INTO readings VALUES(5,'gas-1',1796614048301,'{"ts":1796614048301,"gas_lel":30}');
INSERT INTO readings VALUES(6,'chg-1',1796614048324,'{"ts":1796614048324,"power_w":120}');
INSERT INTO readings VALUES(7,'gas-1',1796614048602,'{"ts":1796614048602,"gas_lel":30}');
INSERT INTO readings VALUES(8,'gas-1',1796614048979,'{"ts":1796614048979,"gas_lel":1}');
INSERT INTO readings VALUES(9,'smoke-1',1796614049165,'{"ts":1796614049165,"smoke":true}');
INSERT INTO readings VALUES(10,'chg-2',1796614049176,'{"ts":1796614049176,"temp_c":75}');
INSERT INTO readings VALUES(11,'chg-1',1796614049324,'{"ts":1796614049324,"power_w":120}');
INSERT INTO readings VALUES(12,'chg-2',1796614050211,'{"ts":1796614050211,"temp_c":30}');
INSERT INTO readings VALUES(13,'batt-1',1796614050227,'{"ts":1796614050227,"battery":5}');
INSERT INTO readings VALUES(14,'chg-1',1796614050325,'{"ts":1796614050325,"power_w":120}');
INSERT INTO readings VALUES(15,'hb-1',1796614050440,'{"ts":1796614050440,"battery":90}');
INSERT INTO readings VALUES(16,'chg-1',1796614051326,'{"ts":1796614051326,"power_w":120}');
INSERT INTO readings VALUES(17,'chg-1',1796614052327,'{"ts":1796614052327,"power_w":120}');
INSERT INTO readings VALUES(18,'chg-1',1796614053428,'{"ts":1796614053428,"power_w":120}');
INSERT INTO readings VALUES(19,'chg-1',1796614054329,'{"ts":1796614054329,"power_w":120}');
INSERT INTO readings VALUES(20,'chg-1',1796614055330,'{"ts":1796614055330,"power_w":120}');
INSERT INTO readings VALUES(21,'chg-1',1796614056331,'{"ts":1796614056331,"power_w":120}');
INSERT INTO readings VALUES(22,'chg-1',1796614057331,'{"ts":1796614057331,"power_w":120}');
INSERT INTO readings VALUES(23,'chg-1',1796614058332,'{"ts":1796614058332,"power_w":120}');
INSERT INTO readings VALUES(24,'chg-1',1796614059333,'{"ts":1796614059333,"power_w":120}');
INSERT INTO readings VALUES(25,'chg-1',1796614060334,'{"ts":1796614060334,"power_w":120}');
INSERT INTO readings VALUES(26,'chg-1',1796614061335,'{"ts":1796614061335,"power_w":120}');
INSERT INTO readings VALUES(27,'chg-1',1796614062335,'{"ts":1796614062335,"power_w":120}');
INSERT INTO readings VALUES(28,'chg-1',1796614063336,'{"ts":1796614063336,"power_w":120}');
INSERT INTO readings VALUES(29,'chg-1',1796614064337,'{"ts":1796614064337,"power_w":120}');
INSERT INTO readings VALUES(30,'chg-1',1796614065439,'{"ts":1796614065439,"power_w":120}');
INSERT INTO readings VALUES(31,'chg-1',1796614066338,'{"ts":1796614066338,"power_w":120}');
INSERT INTO readings VALUES(32,'chg-1',1796614067340,'{"ts":1796614067340,"power_w":120}');
INSERT INTO readings VALUES(33,'chg-1',1796614068340,'{"ts":1796614068340,"power_w":120}');
INSERT INTO readings VALUES(34,'chg-1',1796614069341,'{"ts":1796614069341,"power_w":120}');
INSERT INTO readings VALUES(35,'chg-1',1796614070342,'{"ts":1796614070342,"power_w":120}');
INSERT INTO readings VALUES(36,'chg-1',1796614071343,'{"ts":1796614071343,"power_w":120}');
INSERT INTO readings VALUES(37,'chg-1',1796614072343,'{"ts":1796614072343,"power_w":120}');
INSERT INTO readings VALUES(38,'chg-1',1796614073344,'{"ts":1796614073344,"power_w":120}');
INSERT INTO readings VALUES(39,'chg-1',1796614074345,'{"ts":1796614074345,"power_w":120}');
INSERT INTO readings VALUES(40,'chg-1',1796614075346,'{"ts":1796614075346,"power_w":120}');
INSERT INTO readings VALUES(41,'chg-1',1796614076347,'{"ts":1796614076347,"power_w":120}');
INSERT INTO readings VALUES(42,'chg-1',1796614077347,'{"ts":1796614077347,"power_w":120}');
INSERT INTO readings VALUES(43,'chg-1',1796614078348,'{"ts":1796614078348,"power_w":120}');
INSERT INTO readings VALUES(44,'chg-1',1796614079349,'{"ts":1796614079349,"power_w":120}');
INSERT INTO readings VALUES(45,'chg-1',1796614080349,'{"ts":1796614080349,"power_w":120}');
INSERT INTO readings VALUES(46,'chg-1',1796614081350,'{"ts":1796614081350,"power_w":120}');
INSERT INTO readings VALUES(47,'chg-1',1796614082351,'{"ts":1796614082351,"power_w":120}');
INSERT INTO readings VALUES(48,'chg-1',1796614083352,'{"ts":1796614083352,"power_w":120}');
CREATE TABLE hazard_events (  seq       INTEGER PRIMARY KEY AUTOINCREMENT,  hazard_id TEXT NOT NULL REFERENCES hazards (id),  event     TEXT NOT NULL,  at_ms     INTEGER NOT NULL,  actor     TEXT,  note      TEXT,  severity  TEXT,  detail    TEXT);
INSERT INTO hazard_events VALUES(1,'3491fa7d-H1','raised',1796614048602,'hazardd',NULL,'general','gas_lel 30 >= lel_low 25');
INSERT INTO hazard_events VALUES(2,'3491fa7d-H1','acknowledged',1796614048751,'inspector-3','on my way','general',NULL);
INSERT INTO hazard_events VALUES(3,'3491fa7d-H1','rectifying',1796614048761,'fitter-7','hose being replaced','general',NULL);
INSERT INTO hazard_events VALUES(4,'3491fa7d-H1','cleared',1796614048979,'hazardd',NULL,'general','gas_lel 1 < clear level 20');
INSERT INTO hazard_events VALUES(5,'3491fa7d-H2','raised',1796614049009,'hazardd',NULL,'general','no message for 2 s (heartbeat_s 2)');
INSERT INTO hazard_events VALUES(6,'3491fa7d-H1','closed',1796614049149,'inspector-3','valve and hose replaced','general',NULL);
INSERT INTO hazard_events VALUES(7,'3491fa7d-H3','raised',1796614049165,'hazardd',NULL,'major','smoke flag');
INSERT INTO hazard_events VALUES(8,'3491fa7d-H4','raised',1796614049176,'hazardd',NULL,'major','temp_c 75 > max_temp_c 60');
INSERT INTO hazard_events VALUES(9,'3491fa7d-H4','cleared',1796614050211,'hazardd',NULL,'major','temp_c 30 < clear level 48');
INSERT INTO hazard_events VALUES(10,'3491fa7d-H5','raised',1796614050227,'hazardd',NULL,'general','battery 5 <= battery_low_pct 20');
INSERT INTO hazard_events VALUES(11,'3491fa7d-H5','acknowledged',1796614050261,'inspector-3','battery ordered','general',NULL);
INSERT INTO hazard_events VALUES(12,'3491fa7d-H2','cleared',1796614050440,'hazardd',NULL,'general','message received');
INSERT INTO hazard_events VALUES(13,'3491fa7d-H2','reopened',1796614053013,'hazardd',NULL,'general','no message for 2 s (heartbeat_s 2)');
INSERT INTO hazard_events VALUES(14,'3491fa7d-H6','raised',1796614083352,'hazardd',NULL,'general','charging for 0.01 h >= max_charge_h 0.01');
CREATE TABLE outbox (  seq          INTEGER PRIMARY KEY AUTOINCREMENT,  topic_suffix TEXT NOT NULL,  cls          INTEGER NOT NULL,  body         TEXT NOT NULL,  created_ms   INTEGER NOT NULL, hazard_id TEXT);
INSERT INTO outbox VALUES(12,'hazard',1,'{"hazard_id":"3491fa7d-H2","event":"cleared","type":"device_offline","severity":"general","priority":"serious","device":"hb-1","site":"site-1","state":"cleared","raised_at":"2026-12-07T03:27:29.009Z","deadline":"2026-12-14T03:27:29.009Z","cleared_at":"2026-12-07T03:27:30.440Z","occurrences":1,"clock_trusted":false,"detail":"message received","evidence":{"latest":{"ts":1796614050440,"battery":90},"peak":{"battery":90},"trigger":{},"cleared":{"ts":1796614050440,"battery":90}},"at":"2026-12-07T03:27:30.440Z","actor":"hazardd"}',1796614050441,'3491fa7d-H2');
INSERT INTO outbox VALUES(13,'hazard',1,'{"hazard_id":"3491fa7d-H2","event":"reopened","type":"device_offline","severity":"general","priority":"serious","device":"hb-1","site":"site-1","state":"open","raised_at":"2026-12-07T03:27:29.009Z","deadline":"2026-12-14T03:27:29.009Z","occurrences":2,"clock_trusted":false,"detail":"no message for 2 s (heartbeat_s 2)","evidence":{"latest":{"ts":1796614050440,"battery":90},"peak":{"battery":90},"trigger":{}},"at":"2026-12-07T03:27:33.013Z","actor":"hazardd"}',1796614053014,'3491fa7d-H2');
INSERT INTO outbox VALUES(14,'telemetry',4,'{"count":21,"readings":[{"device":"chg-1","seq":1,"ts":1796614047323,"power_w":120},{"device":"gas-1","seq":2,"ts":1796614047400,"gas_lel":30},{"device":"gas-1","seq":3,"ts":1796614047700,"gas_lel":30},{"device":"gas-1","seq":4,"ts":1796614048001,"gas_lel":30},{"device":"gas-1","seq":5,"ts":1796614048301,"gas_lel":30},{"device":"chg-1","seq":6,"ts":1796614048324,"power_w":120},{"device":"gas-1","seq":7,"ts":1796614048602,"gas_lel":30},{"device":"gas-1","seq":8,"ts":1796614048979,"gas_lel":1},{"device":"smoke-1","seq":9,"ts":1796614049165,"smoke":true},{"device":"chg-2","seq":10,"ts":1796614049176,"temp_c":75},{"device":"chg-1","seq":11,"ts":1796614049324,"power_w":120},{"device":"chg-2","seq":12,"ts":1796614050211,"temp_c":30},{"device":"batt-1","seq":13,"ts":1796614050227,"battery":5},{"device":"chg-1","seq":14,"ts":1796614050325,"power_w":120},{"device":"hb-1","seq":15,"ts":1796614050440,"battery":90},{"device":"chg-1","seq":16,"ts":1796614051326,"power_w":120},{"device":"chg-1","seq":17,"ts":1796614052327,"power_w":120},{"device":"chg-1","seq":18,"ts":1796614053428,"power_w":120},{"device":"chg-1","seq":19,"ts":1796614054329,"power_w":120},{"device":"chg-1","seq":20,"ts":1796614055330,"power_w":120},{"device":"chg-1","seq":21,"ts":1796614056331,"power_w":120}]}',1796614057017,NULL);
INSERT INTO outbox VALUES(15,'telemetry',4,'{"count":10,"readings":[{"device":"chg-1","seq":22,"ts":1796614057331,"power_w":120},{"device":"chg-1","seq":23,"ts":1796614058332,"power_w":120},{"device":"chg-1","seq":24,"ts":1796614059333,"power_w":120},{"device":"chg-1","seq":25,"ts":1796614060334,"power_w":120},{"device":"chg-1","seq":26,"ts":1796614061335,"power_w":120},{"device":"chg-1","seq":27,"ts":1796614062335,"power_w":120},{"device":"chg-1","seq":28,"ts":1796614063336,"power_w":120},{"device":"chg-1","seq":29,"ts":1796614064337,"power_w":120},{"device":"chg-1","seq":30,"ts":1796614065439,"power_w":120},{"device":"chg-1","seq":31,"ts":1796614066338,"power_w":120}]}',1796614067027,NULL);
INSERT INTO outbox VALUES(16,'telemetry',4,'{"count":10,"readings":[{"device":"chg-1","seq":32,"ts":1796614067340,"power_w":120},{"device":"chg-1","seq":33,"ts":1796614068340,"power_w":120},{"device":"chg-1","seq":34,"ts":1796614069341,"power_w":120},{"device":"chg-1","seq":35,"ts":1796614070342,"power_w":120},{"device":"chg-1","seq":36,"ts":1796614071343,"power_w":120},{"device":"chg-1","seq":37,"ts":1796614072343,"power_w":120},{"device":"chg-1","seq":38,"ts":1796614073344,"power_w":120},{"device":"chg-1","seq":39,"ts":1796614074345,"power_w":120},{"device":"chg-1","seq":40,"ts":1796614075346,"power_w":120},{"device":"chg-1","seq":41,"ts":1796614076347,"power_w":120}]}',1796614077038,NULL);
INSERT INTO outbox VALUES(17,'hazard',1,'{"hazard_id":"3491fa7d-H6","event":"raised","type":"overcharge","severity":"general","priority":"serious","device":"chg-1","site":"site-2","state":"open","raised_at":"2026-12-07T03:28:03.352Z","deadline":"2026-12-14T03:28:03.352Z","occurrences":1,"clock_trusted":false,"detail":"charging for 0.01 h >= max_charge_h 0.01","evidence":{"raised":{"ts":1796614083352,"power_w":120},"latest":{"ts":1796614083352,"power_w":120},"peak":{"power_w":120},"trigger":{"field":"power_w","raised":120,"min":120,"max":120}},"at":"2026-12-07T03:28:03.352Z","actor":"hazardd"}',1796614083353,'3491fa7d-H6');
CREATE TABLE IF NOT EXISTS "hazards" (  id            TEXT PRIMARY KEY,  device        TEXT NOT NULL,  site          TEXT NOT NULL,  type          TEXT NOT NULL,  severity      TEXT NOT NULL CHECK (severity IN ('general', 'major')),  priority      INTEGER NOT NULL CHECK (priority BETWEEN 0 AND 3),  state         TEXT NOT NULL CHECK (state IN ('open', 'acknowledged',                  'rectifying', 'cleared', 'closed')),  raised_at_ms  INTEGER NOT NULL,  deadline_ms   INTEGER NOT NULL,  cleared_at_ms INTEGER NOT NULL DEFAULT 0,  closed_at_ms  INTEGER NOT NULL DEFAULT 0,  occurrences   INTEGER NOT NULL DEFAULT 1,  detail        TEXT NOT NULL DEFAULT '',  evidence      TEXT NOT NULL DEFAULT '{}',  updated_at_ms INTEGER NOT NULL,  acked_at_ms      INTEGER NOT NULL DEFAULT 0,  rectifying_at_ms INTEGER NOT NULL DEFAULT 0,  overdue          INTEGER NOT NULL DEFAULT 0,  escalated_at_ms  INTEGER NOT NULL DEFAULT 0,  recurrence_of    TEXT,  clock_trusted    INTEGER NOT NULL DEFAULT 1);
INSERT INTO hazards VALUES('3491fa7d-H1','gas-1','site-1','gas_leak','general',0,'closed',1796614048602,1797218848602,1796614048979,1796614049149,1,'gas_lel 1 < clear level 20','{"raised":{"ts":1796614048602,"gas_lel":30},"latest":{"ts":1796614048979,"gas_lel":1},"peak":{"gas_lel":30},"trigger":{"field":"gas_lel","raised":30,"min":1,"max":30,"cleared":1,"closed":1},"cleared":{"ts":1796614048979,"gas_lel":1},"closed":{"ts":1796614048979,"gas_lel":1},"operator":"photo 42"}',1796614049149,1796614048751,1796614048761,0,0,NULL,0);
INSERT INTO hazards VALUES('3491fa7d-H2','hb-1','site-1','device_offline','general',1,'open',1796614049009,1797218849009,0,0,2,'no message for 2 s (heartbeat_s 2)','{"latest":{"ts":1796614050440,"battery":90},"peak":{"battery":90},"trigger":{}}',1796614053013,0,0,0,0,NULL,0);
INSERT INTO hazards VALUES('3491fa7d-H3','smoke-1','site-1','smoke_alarm','major',0,'open',1796614049165,1796700449165,0,0,1,'smoke flag','{"raised":{"ts":1796614049165,"smoke":true},"latest":{"ts":1796614049165,"smoke":true},"peak":{},"trigger":{"field":"smoke","raised":true}}',1796614049165,0,0,0,0,NULL,0);
INSERT INTO hazards VALUES('3491fa7d-H4','chg-2','site-2','charger_overtemp','major',0,'cleared',1796614049176,1796700449176,1796614050211,0,1,'temp_c 30 < clear level 48','{"raised":{"ts":1796614049176,"temp_c":75},"latest":{"ts":1796614050211,"temp_c":30},"peak":{"temp_c":75},"trigger":{"field":"temp_c","raised":75,"min":30,"max":75,"cleared":30},"cleared":{"ts":1796614050211,"temp_c":30}}',1796614050211,0,0,0,0,NULL,0);
INSERT INTO hazards VALUES('3491fa7d-H5','batt-1','site-1','low_battery','general',2,'acknowledged',1796614050227,1797218850227,0,0,1,'battery 5 <= battery_low_pct 20','{"raised":{"ts":1796614050227,"battery":5},"latest":{"ts":1796614050227,"battery":5},"peak":{"battery":5},"trigger":{"field":"battery","raised":5,"min":5,"max":5}}',1796614050261,1796614050261,0,0,0,NULL,0);
INSERT INTO hazards VALUES('3491fa7d-H6','chg-1','site-2','overcharge','general',1,'open',1796614083352,1797218883352,0,0,1,'charging for 0.01 h >= max_charge_h 0.01','{"raised":{"ts":1796614083352,"power_w":120},"latest":{"ts":1796614083352,"power_w":120},"peak":{"power_w":120},"trigger":{"field":"power_w","raised":120,"min":120,"max":120}}',1796614083352,0,0,0,0,NULL,0);
CREATE TABLE self_checks (  seq           INTEGER PRIMARY KEY AUTOINCREMENT,  device        TEXT NOT NULL,  site          TEXT NOT NULL,  source        TEXT NOT NULL,  at_ms         INTEGER NOT NULL,  clock_trusted INTEGER NOT NULL DEFAULT 1);
CREATE TABLE outbox_sent (  seq          INTEGER PRIMARY KEY,  topic_suffix TEXT NOT NULL,  cls          INTEGER NOT NULL,  body         TEXT NOT NULL,  created_ms   INTEGER NOT NULL,  hazard_id    TEXT);
INSERT INTO outbox_sent VALUES(1,'hazard',1,'{"hazard_id":"3491fa7d-H1","event":"raised","type":"gas_leak","severity":"general","priority":"urgent","device":"gas-1","site":"site-1","state":"open","raised_at":"2026-12-07T03:27:28.602Z","deadline":"2026-12-14T03:27:28.602Z","occurrences":1,"clock_trusted":false,"detail":"gas_lel 30 >= lel_low 25","evidence":{"raised":{"ts":1796614048602,"gas_lel":30},"latest":{"ts":1796614048602,"gas_lel":30},"peak":{"gas_lel":30},"trigger":{"field":"gas_lel","raised":30,"min":30,"max":30}},"at":"2026-12-07T03:27:28.602Z","actor":"hazardd"}',1796614048603,'3491fa7d-H1');
INSERT INTO outbox_sent VALUES(2,'hazard',1,'{"hazard_id":"3491fa7d-H1","event":"acknowledged","type":"gas_leak","severity":"general","priority":"urgent","device":"gas-1","site":"site-1","state":"acknowledged","raised_at":"2026-12-07T03:27:28.602Z","deadline":"2026-12-14T03:27:28.602Z","occurrences":1,"acked_at":"2026-12-07T03:27:28.751Z","clock_trusted":false,"detail":"gas_lel 30 >= lel_low 25","evidence":{"raised":{"ts":1796614048602,"gas_lel":30},"latest":{"ts":1796614048602,"gas_lel":30},"peak":{"gas_lel":30},"trigger":{"field":"gas_lel","raised":30,"min":30,"max":30}},"at":"2026-12-07T03:27:28.751Z","actor":"inspector-3","note":"on my way"}',1796614048752,'3491fa7d-H1');
INSERT INTO outbox_sent VALUES(3,'hazard',1,'{"hazard_id":"3491fa7d-H1","event":"rectifying","type":"gas_leak","severity":"general","priority":"urgent","device":"gas-1","site":"site-1","state":"rectifying","raised_at":"2026-12-07T03:27:28.602Z","deadline":"2026-12-14T03:27:28.602Z","occurrences":1,"acked_at":"2026-12-07T03:27:28.751Z","rectifying_at":"2026-12-07T03:27:28.761Z","clock_trusted":false,"detail":"gas_lel 30 >= lel_low 25","evidence":{"raised":{"ts":1796614048602,"gas_lel":30},"latest":{"ts":1796614048602,"gas_lel":30},"peak":{"gas_lel":30},"trigger":{"field":"gas_lel","raised":30,"min":30,"max":30}},"at":"2026-12-07T03:27:28.761Z","actor":"fitter-7","note":"hose being replaced"}',1796614048761,'3491fa7d-H1');
INSERT INTO outbox_sent VALUES(4,'hazard',1,'{"hazard_id":"3491fa7d-H1","event":"cleared","type":"gas_leak","severity":"general","priority":"urgent","device":"gas-1","site":"site-1","state":"cleared","raised_at":"2026-12-07T03:27:28.602Z","deadline":"2026-12-14T03:27:28.602Z","cleared_at":"2026-12-07T03:27:28.979Z","occurrences":1,"acked_at":"2026-12-07T03:27:28.751Z","rectifying_at":"2026-12-07T03:27:28.761Z","clock_trusted":false,"detail":"gas_lel 1 < clear level 20","evidence":{"raised":{"ts":1796614048602,"gas_lel":30},"latest":{"ts":1796614048979,"gas_lel":1},"peak":{"gas_lel":30},"trigger":{"field":"gas_lel","raised":30,"min":1,"max":30,"cleared":1},"cleared":{"ts":1796614048979,"gas_lel":1}},"at":"2026-12-07T03:27:28.979Z","actor":"hazardd"}',1796614048979,'3491fa7d-H1');
INSERT INTO outbox_sent VALUES(5,'hazard',1,'{"hazard_id":"3491fa7d-H2","event":"raised","type":"device_offline","severity":"general","priority":"serious","device":"hb-1","site":"site-1","state":"open","raised_at":"2026-12-07T03:27:29.009Z","deadline":"2026-12-14T03:27:29.009Z","occurrences":1,"clock_trusted":false,"detail":"no message for 2 s (heartbeat_s 2)","evidence":{},"at":"2026-12-07T03:27:29.009Z","actor":"hazardd"}',1796614049009,'3491fa7d-H2');
INSERT INTO outbox_sent VALUES(6,'hazard',1,'{"hazard_id":"3491fa7d-H1","event":"closed","type":"gas_leak","severity":"general","priority":"urgent","device":"gas-1","site":"site-1","state":"closed","raised_at":"2026-12-07T03:27:28.602Z","deadline":"2026-12-14T03:27:28.602Z","cleared_at":"2026-12-07T03:27:28.979Z","closed_at":"2026-12-07T03:27:29.149Z","occurrences":1,"acked_at":"2026-12-07T03:27:28.751Z","rectifying_at":"2026-12-07T03:27:28.761Z","clock_trusted":false,"detail":"gas_lel 1 < clear level 20","evidence":{"raised":{"ts":1796614048602,"gas_lel":30},"latest":{"ts":1796614048979,"gas_lel":1},"peak":{"gas_lel":30},"trigger":{"field":"gas_lel","raised":30,"min":1,"max":30,"cleared":1,"closed":1},"cleared":{"ts":1796614048979,"gas_lel":1},"closed":{"ts":1796614048979,"gas_lel":1},"operator":"photo 42"},"at":"2026-12-07T03:27:29.149Z","actor":"inspector-3","note":"valve and hose replaced"}',1796614049150,'3491fa7d-H1');
INSERT INTO outbox_sent VALUES(7,'hazard',0,'{"hazard_id":"3491fa7d-H3","event":"raised","type":"smoke_alarm","severity":"major","priority":"urgent","device":"smoke-1","site":"site-1","state":"open","raised_at":"2026-12-07T03:27:29.165Z","deadline":"2026-12-08T03:27:29.165Z","occurrences":1,"clock_trusted":false,"detail":"smoke flag","evidence":{"raised":{"ts":1796614049165,"smoke":true},"latest":{"ts":1796614049165,"smoke":true},"peak":{},"trigger":{"field":"smoke","raised":true}},"at":"2026-12-07T03:27:29.165Z","actor":"hazardd"}',1796614049169,'3491fa7d-H3');
INSERT INTO outbox_sent VALUES(8,'hazard',0,'{"hazard_id":"3491fa7d-H4","event":"raised","type":"charger_overtemp","severity":"major","priority":"urgent","device":"chg-2","site":"site-2","state":"open","raised_at":"2026-12-07T03:27:29.176Z","deadline":"2026-12-08T03:27:29.176Z","occurrences":1,"clock_trusted":false,"detail":"temp_c 75 > max_temp_c 60","evidence":{"raised":{"ts":1796614049176,"temp_c":75},"latest":{"ts":1796614049176,"temp_c":75},"peak":{"temp_c":75},"trigger":{"field":"temp_c","raised":75,"min":75,"max":75}},"at":"2026-12-07T03:27:29.176Z","actor":"hazardd"}',1796614049177,'3491fa7d-H4');
INSERT INTO outbox_sent VALUES(9,'hazard',0,'{"hazard_id":"3491fa7d-H4","event":"cleared","type":"charger_overtemp","severity":"major","priority":"urgent","device":"chg-2","site":"site-2","state":"cleared","raised_at":"2026-12-07T03:27:29.176Z","deadline":"2026-12-08T03:27:29.176Z","cleared_at":"2026-12-07T03:27:30.211Z","occurrences":1,"clock_trusted":false,"detail":"temp_c 30 < clear level 48","evidence":{"raised":{"ts":1796614049176,"temp_c":75},"latest":{"ts":1796614050211,"temp_c":30},"peak":{"temp_c":75},"trigger":{"field":"temp_c","raised":75,"min":30,"max":75,"cleared":30},"cleared":{"ts":1796614050211,"temp_c":30}},"at":"2026-12-07T03:27:30.211Z","actor":"hazardd"}',1796614050212,'3491fa7d-H4');
INSERT INTO outbox_sent VALUES(10,'hazard',1,'{"hazard_id":"3491fa7d-H5","event":"raised","type":"low_battery","severity":"general","priority":"minor","device":"batt-1","site":"site-1","state":"open","raised_at":"2026-12-07T03:27:30.227Z","deadline":"2026-12-14T03:27:30.227Z","occurrences":1,"clock_trusted":false,"detail":"battery 5 <= battery_low_pct 20","evidence":{"raised":{"ts":1796614050227,"battery":5},"latest":{"ts":1796614050227,"battery":5},"peak":{"battery":5},"trigger":{"field":"battery","raised":5,"min":5,"max":5}},"at":"2026-12-07T03:27:30.227Z","actor":"hazardd"}',1796614050227,'3491fa7d-H5');
INSERT INTO outbox_sent VALUES(11,'hazard',1,'{"hazard_id":"3491fa7d-H5","event":"acknowledged","type":"low_battery","severity":"general","priority":"minor","device":"batt-1","site":"site-1","state":"acknowledged","raised_at":"2026-12-07T03:27:30.227Z","deadline":"2026-12-14T03:27:30.227Z","occurrences":1,"acked_at":"2026-12-07T03:27:30.261Z","clock_trusted":false,"detail":"battery 5 <= battery_low_pct 20","evidence":{"raised":{"ts":1796614050227,"battery":5},"latest":{"ts":1796614050227,"battery":5},"peak":{"battery":5},"trigger":{"field":"battery","raised":5,"min":5,"max":5}},"at":"2026-12-07T03:27:30.261Z","actor":"inspector-3","note":"battery ordered"}',1796614050262,'3491fa7d-H5');
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('readings',48);
INSERT INTO sqlite_sequence VALUES('hazard_events',14);
INSERT INTO sqlite_sequence VALUES('outbox',17);
CREATE INDEX hazard_events_by_hazard ON hazard_events (hazard_id, seq);
CREATE INDEX outbox_drain ON outbox (cls, seq);
CREATE INDEX outbox_by_hazard ON outbox (hazard_id) WHERE hazard_id IS NOT NULL;
CREATE UNIQUE INDEX hazards_one_open ON hazards (device, type)  WHERE state != 'closed';
CREATE INDEX hazards_by_site ON hazards (site, raised_at_ms);
CREATE INDEX self_checks_by_time ON self_checks (at_ms);
COMMIT;
