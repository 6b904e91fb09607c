-- A schema version 4 database as the release before the record kinds
-- (commit bf551a1) wrote it against real brokers (sqlite3 .dump, with the
-- user_version line added: .dump leaves it out).  Six hazards with their
-- events, every one of a kind that version 5 tells apart:
--   H1 device_offline hb-1    open (raised, cleared, reopened)   -> fault active
--   H2 gas_leak       gas-1   closed (acknowledged "on my way",
--                             rectifying, cleared, closed)        -> alarm ended
--   H3 smoke_alarm    smoke-1 open                                -> alarm active
--   H4 charger_overtemp chg-2 cleared, never closed               -> alarm ended
--   H5 low_battery    batt-1  acknowledged "battery ordered"      -> fault active
--   H6 overcharge     chg-1   open                                -> hazard open
-- tests/e2e/t_upgrade.sh migrates it with the current hazardd.
PRAGMA user_version=4;
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE meta (  key   TEXT PRIMARY KEY,  value);
INSERT INTO meta VALUES('epoch','50446cbd');
INSERT INTO meta VALUES('hazard_seq',6);
INSERT INTO meta VALUES('summary_last_day',20793);
INSERT INTO meta VALUES('telemetry_seq',48);
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
INSERT INTO readings VALUES(1,'chg-1',1796613285032,'{"ts":1796613285032,"power_w":120}');
INSERT INTO readings VALUES(2,'gas-1',1796613285352,'{"ts":1796613285352,"gas_lel":30}');
INSERT INTO readings VALUES(3,'gas-1',1796613285654,'{"ts":1796613285654,"gas_lel":30}');
INSERT INTO readings VALUES(4,'gas-1',1796613285962,'{"ts":1796613285962,"gas_lel":30}');
INSERT INTO readings VALUES(5,'chg-1',1796613286034,'{"ts":1796613286034,"power_w":120}');
INSERT INTO readings VALUES(6,'gas-1',1796613286266,'{"ts":1796613286266,"gas_lel":30}');
INSERT INTO readings VALUES(7,'gas-1',1796613286578,'{"ts":1796613286578,"gas_lel":30}');
INSERT INTO readings VALUES(8,'chg-1',1796613287036,'{"ts":1796613287036,"power_w":120}');
INSERT INTO readings VALUES(9,'gas-1',1796613287676,'{"ts":1796613287676,"gas_lel":1}');
INSERT INTO readings VALUES(10,'chg-1',1796613288051,'{"ts":1796613288051,"power_w":120}');
INSERT INTO readings VALUES(11,'smoke-1',1796613288102,'{"ts":1796613288102,"smoke":true}');
INSERT INTO readings VALUES(12,'chg-2',1796613288146,'{"ts":1796613288146,"temp_c":75}');
INSERT INTO readings VALUES(13,'chg-1',1796613289047,'{"ts":1796613289047,"power_w":120}');
INSERT INTO readings VALUES(14,'chg-2',1796613289232,'{"ts":1796613289232,"temp_c":30}');
INSERT INTO readings VALUES(15,'batt-1',1796613289253,'{"ts":1796613289253,"battery":5}');
INSERT INTO readings VALUES(16,'hb-1',1796613289340,'{"ts":1796613289340,"battery":90}');
INSERT INTO readings VALUES(17,'chg-1',1796613290058,'{"ts":1796613290058,"power_w":120}');
INSERT INTO readings VALUES(18,'chg-1',1796613291162,'{"ts":1796613291162,"power_w":120}');
INSERT INTO readings VALUES(19,'chg-1',1796613292060,'{"ts":1796613292060,"power_w":120}');
INSERT INTO readings VALUES(20,'chg-1',1796613293062,'{"ts":1796613293062,"power_w":120}');
INSERT INTO readings VALUES(21,'chg-1',1796613294170,'{"ts":1796613294170,"power_w":120}');
INSERT INTO readings VALUES(22,'chg-1',1796613295070,'{"ts":1796613295070,"power_w":120}');
INSERT INTO readings VALUES(23,'chg-1',1796613296072,'{"ts":1796613296072,"power_w":120}');
INSERT INTO readings VALUES(24,'chg-1',1796613297073,'{"ts":1796613297073,"power_w":120}');
INSERT INTO readings VALUES(25,'chg-1',1796613298073,'{"ts":1796613298073,"power_w":120}');
INSERT INTO readings VALUES(26,'chg-1',1796613299183,'{"ts":1796613299183,"power_w":120}');
INSERT INTO readings VALUES(27,'chg-1',1796613300085,'{"ts":1796613300085,"power_w":120}');
INSERT INTO readings VALUES(28,'chg-1',1796613301081,'{"ts":1796613301081,"power_w":120}');
INSERT INTO readings VALUES(29,'chg-1',1796613302082,'{"ts":1796613302082,"power_w":120}');
INSERT INTO readings VALUES(30,'chg-1',1796613303083,'{"ts":1796613303083,"power_w":120}');
INSERT INTO readings VALUES(31,'chg-1',1796613304185,'{"ts":1796613304185,"power_w":120}');
INSERT INTO readings VALUES(32,'chg-1',1796613305086,'{"ts":1796613305086,"power_w":120}');
INSERT INTO readings VALUES(33,'chg-1',1796613306087,'{"ts":1796613306087,"power_w":120}');
INSERT INTO readings VALUES(34,'chg-1',1796613307088,'{"ts":1796613307088,"power_w":120}');
INSERT INTO readings VALUES(35,'chg-1',1796613308089,'{"ts":1796613308089,"power_w":120}');
INSERT INTO readings VALUES(36,'chg-1',1796613309190,'{"ts":1796613309190,"power_w":120}');
INSERT INTO readings VALUES(37,'chg-1',1796613310103,'{"ts":1796613310103,"power_w":120}');
INSERT INTO readings VALUES(38,'chg-1',1796613311206,'{"ts":1796613311206,"power_w":120}');
INSERT INTO readings VALUES(39,'chg-1',1796613312108,'{"ts":1796613312108,"power_w":120}');
INSERT INTO readings VALUES(40,'chg-1',1796613313113,'{"ts":1796613313113,"power_w":120}');
INSERT INTO readings VALUES(41,'chg-1',1796613314114,'{"ts":1796613314114,"power_w":120}');
INSERT INTO readings VALUES(42,'chg-1',1796613315218,'{"ts":1796613315218,"power_w":120}');
INSERT INTO readings VALUES(43,'chg-1',1796613316120,'{"ts":1796613316120,"power_w":120}');
INSERT INTO readings VALUES(44,'chg-1',1796613317226,'{"ts":1796613317226,"power_w":120}');
INSERT INTO readings VALUES(45,'chg-1',1796613318126,'{"ts":1796613318126,"power_w":120}');
INSERT INTO readings VALUES(46,'chg-1',1796613319228,'{"ts":1796613319228,"power_w":120}');
INSERT INTO readings VALUES(47,'chg-1',1796613320146,'{"ts":1796613320146,"power_w":120}');
INSERT INTO readings VALUES(48,'chg-1',1796613321141,'{"ts":1796613321141,"power_w":120}');
CREATE TABLE hazard_events (  seq       INTEGER PRIMARY KEY AUTOINCREMENT,  hazard_id TEXT NOT NULL REFERENCES hazards (id),  event     TEXT NOT NULL,  at_ms     INTEGER NOT NULL,  actor     TEXT,  note      TEXT,  severity  TEXT,  detail    TEXT);
INSERT INTO hazard_events VALUES(1,'50446cbd-H1','raised',1796613286066,'hazardd',NULL,'general','no message for 2 s (heartbeat_s 2)');
INSERT INTO hazard_events VALUES(2,'50446cbd-H2','raised',1796613286578,'hazardd',NULL,'general','gas_lel 30 >= lel_low 25');
INSERT INTO hazard_events VALUES(3,'50446cbd-H2','acknowledged',1796613286906,'inspector-3','on my way','general',NULL);
INSERT INTO hazard_events VALUES(4,'50446cbd-H2','rectifying',1796613286935,'fitter-7','hose being replaced','general',NULL);
INSERT INTO hazard_events VALUES(5,'50446cbd-H2','cleared',1796613287676,'hazardd',NULL,'general','gas_lel 1 < clear level 20');
INSERT INTO hazard_events VALUES(6,'50446cbd-H2','closed',1796613288058,'inspector-3','valve and hose replaced','general',NULL);
INSERT INTO hazard_events VALUES(7,'50446cbd-H3','raised',1796613288102,'hazardd',NULL,'major','smoke flag');
INSERT INTO hazard_events VALUES(8,'50446cbd-H4','raised',1796613288146,'hazardd',NULL,'major','temp_c 75 > max_temp_c 60');
INSERT INTO hazard_events VALUES(9,'50446cbd-H4','cleared',1796613289232,'hazardd',NULL,'major','temp_c 30 < clear level 48');
INSERT INTO hazard_events VALUES(10,'50446cbd-H5','raised',1796613289253,'hazardd',NULL,'general','battery 5 <= battery_low_pct 20');
INSERT INTO hazard_events VALUES(11,'50446cbd-H5','acknowledged',1796613289308,'inspector-3','battery ordered','general',NULL);
INSERT INTO hazard_events VALUES(12,'50446cbd-H1','cleared',1796613289340,'hazardd',NULL,'general','message received');
INSERT INTO hazard_events VALUES(13,'50446cbd-H1','reopened',1796613292077,'hazardd',NULL,'general','no message for 2 s (heartbeat_s 2)');
INSERT INTO hazard_events VALUES(14,'50446cbd-H6','raised',1796613321129,'hazardd',NULL,'general','charging for 0.01 h >= max_charge_h 0.01');
CREATE TABLE outbox (  seq          INTEGER PRIMARY KEY AUTOINCREMENT,  topic_suffix TEXT NOT NULL,  cls          INTEGER NOT NULL,  body         TEXT NOT NULL,  created_ms   INTEGER NOT NULL, hazard_id TEXT);
CREATE TABLE IF NOT EXISTS "hazards" (  id            TEXT PRIMARY KEY,  device        TEXT NOT NULL,  site          TEXT NOT NULL,  type          TEXT NOT NULL,  severity      TEXT NOT NULL CHECK (severity IN ('general', 'major')),  priority      INTEGER NOT NULL CHECK (priority BETWEEN 0 AND 3),  state         TEXT NOT NULL CHECK (state IN ('open', 'acknowledged',                  'rectifying', 'cleared', 'closed')),  raised_at_ms  INTEGER NOT NULL,  deadline_ms   INTEGER NOT NULL,  cleared_at_ms INTEGER NOT NULL DEFAULT 0,  closed_at_ms  INTEGER NOT NULL DEFAULT 0,  occurrences   INTEGER NOT NULL DEFAULT 1,  detail        TEXT NOT NULL DEFAULT '',  evidence      TEXT NOT NULL DEFAULT '{}',  updated_at_ms INTEGER NOT NULL,  acked_at_ms      INTEGER NOT NULL DEFAULT 0,  rectifying_at_ms INTEGER NOT NULL DEFAULT 0,  overdue          INTEGER NOT NULL DEFAULT 0,  escalated_at_ms  INTEGER NOT NULL DEFAULT 0,  recurrence_of    TEXT,  clock_trusted    INTEGER NOT NULL DEFAULT 1);
INSERT INTO hazards VALUES('50446cbd-H1','hb-1','site-1','device_offline','general',1,'open',1796613286066,1797218086066,0,0,2,'no message for 2 s (heartbeat_s 2)','{"latest":{"ts":1796613289340,"battery":90},"peak":{"battery":90},"trigger":{}}',1796613292077,0,0,0,0,NULL,0);
INSERT INTO hazards VALUES('50446cbd-H2','gas-1','site-1','gas_leak','general',0,'closed',1796613286578,1797218086578,1796613287676,1796613288058,1,'gas_lel 1 < clear level 20','{"raised":{"ts":1796613286578,"gas_lel":30},"latest":{"ts":1796613287676,"gas_lel":1},"peak":{"gas_lel":30},"trigger":{"field":"gas_lel","raised":30,"min":1,"max":30,"cleared":1,"closed":1},"cleared":{"ts":1796613287676,"gas_lel":1},"closed":{"ts":1796613287676,"gas_lel":1},"operator":"photo 42"}',1796613288058,1796613286906,1796613286935,0,0,NULL,0);
INSERT INTO hazards VALUES('50446cbd-H3','smoke-1','site-1','smoke_alarm','major',0,'open',1796613288102,1796699688102,0,0,1,'smoke flag','{"raised":{"ts":1796613288102,"smoke":true},"latest":{"ts":1796613288102,"smoke":true},"peak":{},"trigger":{"field":"smoke","raised":true}}',1796613288102,0,0,0,0,NULL,0);
INSERT INTO hazards VALUES('50446cbd-H4','chg-2','site-2','charger_overtemp','major',0,'cleared',1796613288146,1796699688146,1796613289232,0,1,'temp_c 30 < clear level 48','{"raised":{"ts":1796613288146,"temp_c":75},"latest":{"ts":1796613289232,"temp_c":30},"peak":{"temp_c":75},"trigger":{"field":"temp_c","raised":75,"min":30,"max":75,"cleared":30},"cleared":{"ts":1796613289232,"temp_c":30}}',1796613289232,0,0,0,0,NULL,0);
INSERT INTO hazards VALUES('50446cbd-H5','batt-1','site-1','low_battery','general',2,'acknowledged',1796613289253,1797218089253,0,0,1,'battery 5 <= battery_low_pct 20','{"raised":{"ts":1796613289253,"battery":5},"latest":{"ts":1796613289253,"battery":5},"peak":{"battery":5},"trigger":{"field":"battery","raised":5,"min":5,"max":5}}',1796613289308,1796613289308,0,0,0,NULL,0);
INSERT INTO hazards VALUES('50446cbd-H6','chg-1','site-2','overcharge','general',1,'open',1796613321129,1797218121129,0,0,1,'charging for 0.01 h >= max_charge_h 0.01','{"raised":{"ts":1796613320146,"power_w":120},"latest":{"ts":1796613321141,"power_w":120},"peak":{"power_w":120},"trigger":{"field":"power_w","raised":120,"min":120,"max":120}}',1796613321129,0,0,0,0,NULL,0);
CREATE TABLE self_checks (  seq           INTEGER PRIMARY KEY AUTOINCREMENT,  device        TEXT NOT NULL,  site          TEXT NOT NULL,  source        TEXT NOT NULL,  at_ms         INTEGER NOT NULL,  clock_trusted INTEGER NOT NULL DEFAULT 1);
CREATE TABLE outbox_sent (  seq          INTEGER PRIMARY KEY,  topic_suffix TEXT NOT NULL,  cls          INTEGER NOT NULL,  body         TEXT NOT NULL,  created_ms   INTEGER NOT NULL,  hazard_id    TEXT);
INSERT INTO outbox_sent VALUES(1,'hazard',1,'{"hazard_id":"50446cbd-H1","event":"raised","type":"device_offline","severity":"general","priority":"serious","device":"hb-1","site":"site-1","state":"open","raised_at":"2026-12-07T03:14:46.066Z","deadline":"2026-12-14T03:14:46.066Z","occurrences":1,"clock_trusted":false,"detail":"no message for 2 s (heartbeat_s 2)","evidence":{},"at":"2026-12-07T03:14:46.066Z","actor":"hazardd"}',1796613286067,'50446cbd-H1');
INSERT INTO outbox_sent VALUES(2,'hazard',1,'{"hazard_id":"50446cbd-H2","event":"raised","type":"gas_leak","severity":"general","priority":"urgent","device":"gas-1","site":"site-1","state":"open","raised_at":"2026-12-07T03:14:46.578Z","deadline":"2026-12-14T03:14:46.578Z","occurrences":1,"clock_trusted":false,"detail":"gas_lel 30 >= lel_low 25","evidence":{"raised":{"ts":1796613286578,"gas_lel":30},"latest":{"ts":1796613286578,"gas_lel":30},"peak":{"gas_lel":30},"trigger":{"field":"gas_lel","raised":30,"min":30,"max":30}},"at":"2026-12-07T03:14:46.578Z","actor":"hazardd"}',1796613286579,'50446cbd-H2');
INSERT INTO outbox_sent VALUES(3,'hazard',1,'{"hazard_id":"50446cbd-H2","event":"acknowledged","type":"gas_leak","severity":"general","priority":"urgent","device":"gas-1","site":"site-1","state":"acknowledged","raised_at":"2026-12-07T03:14:46.578Z","deadline":"2026-12-14T03:14:46.578Z","occurrences":1,"acked_at":"2026-12-07T03:14:46.906Z","clock_trusted":false,"detail":"gas_lel 30 >= lel_low 25","evidence":{"raised":{"ts":1796613286578,"gas_lel":30},"latest":{"ts":1796613286578,"gas_lel":30},"peak":{"gas_lel":30},"trigger":{"field":"gas_lel","raised":30,"min":30,"max":30}},"at":"2026-12-07T03:14:46.906Z","actor":"inspector-3","note":"on my way"}',1796613286907,'50446cbd-H2');
INSERT INTO outbox_sent VALUES(4,'hazard',1,'{"hazard_id":"50446cbd-H2","event":"rectifying","type":"gas_leak","severity":"general","priority":"urgent","device":"gas-1","site":"site-1","state":"rectifying","raised_at":"2026-12-07T03:14:46.578Z","deadline":"2026-12-14T03:14:46.578Z","occurrences":1,"acked_at":"2026-12-07T03:14:46.906Z","rectifying_at":"2026-12-07T03:14:46.935Z","clock_trusted":false,"detail":"gas_lel 30 >= lel_low 25","evidence":{"raised":{"ts":1796613286578,"gas_lel":30},"latest":{"ts":1796613286578,"gas_lel":30},"peak":{"gas_lel":30},"trigger":{"field":"gas_lel","raised":30,"min":30,"max":30}},"at":"2026-12-07T03:14:46.935Z","actor":"fitter-7","note":"hose being replaced"}',1796613286936,'50446cbd-H2');
INSERT INTO outbox_sent VALUES(5,'hazard',1,'{"hazard_id":"50446cbd-H2","event":"cleared","type":"gas_leak","severity":"general","priority":"urgent","device":"gas-1","site":"site-1","state":"cleared","raised_at":"2026-12-07T03:14:46.578Z","deadline":"2026-12-14T03:14:46.578Z","cleared_at":"2026-12-07T03:14:47.676Z","occurrences":1,"acked_at":"2026-12-07T03:14:46.906Z","rectifying_at":"2026-12-07T03:14:46.935Z","clock_trusted":false,"detail":"gas_lel 1 < clear level 20","evidence":{"raised":{"ts":1796613286578,"gas_lel":30},"latest":{"ts":1796613287676,"gas_lel":1},"peak":{"gas_lel":30},"trigger":{"field":"gas_lel","raised":30,"min":1,"max":30,"cleared":1},"cleared":{"ts":1796613287676,"gas_lel":1}},"at":"2026-12-07T03:14:47.676Z","actor":"hazardd"}',1796613287678,'50446cbd-H2');
INSERT INTO outbox_sent VALUES(6,'hazard',1,'{"hazard_id":"50446cbd-H2","event":"closed","type":"gas_leak","severity":"general","priority":"urgent","device":"gas-1","site":"site-1","state":"closed","raised_at":"2026-12-07T03:14:46.578Z","deadline":"2026-12-14T03:14:46.578Z","cleared_at":"2026-12-07T03:14:47.676Z","closed_at":"2026-12-07T03:14:48.058Z","occurrences":1,"acked_at":"2026-12-07T03:14:46.906Z","rectifying_at":"2026-12-07T03:14:46.935Z","clock_trusted":false,"detail":"gas_lel 1 < clear level 20","evidence":{"raised":{"ts":1796613286578,"gas_lel":30},"latest":{"ts":1796613287676,"gas_lel":1},"peak":{"gas_lel":30},"trigger":{"field":"gas_lel","raised":30,"min":1,"max":30,"cleared":1,"closed":1},"cleared":{"ts":1796613287676,"gas_lel":1},"closed":{"ts":1796613287676,"gas_lel":1},"operator":"photo 42"},"at":"2026-12-07T03:14:48.058Z","actor":"inspector-3","note":"valve and hose replaced"}',1796613288059,'50446cbd-H2');
INSERT INTO outbox_sent VALUES(7,'hazard',0,'{"hazard_id":"50446cbd-H3","event":"raised","type":"smoke_alarm","severity":"major","priority":"urgent","device":"smoke-1","site":"site-1","state":"open","raised_at":"2026-12-07T03:14:48.102Z","deadline":"2026-12-08T03:14:48.102Z","occurrences":1,"clock_trusted":false,"detail":"smoke flag","evidence":{"raised":{"ts":1796613288102,"smoke":true},"latest":{"ts":1796613288102,"smoke":true},"peak":{},"trigger":{"field":"smoke","raised":true}},"at":"2026-12-07T03:14:48.102Z","actor":"hazardd"}',1796613288102,'50446cbd-H3');
INSERT INTO outbox_sent VALUES(8,'hazard',0,'{"hazard_id":"50446cbd-H4","event":"raised","type":"charger_overtemp","severity":"major","priority":"urgent","device":"chg-2","site":"site-2","state":"open","raised_at":"2026-12-07T03:14:48.146Z","deadline":"2026-12-08T03:14:48.146Z","occurrences":1,"clock_trusted":false,"detail":"temp_c 75 > max_temp_c 60","evidence":{"raised":{"ts":1796613288146,"temp_c":75},"latest":{"ts":1796613288146,"temp_c":75},"peak":{"temp_c":75},"trigger":{"field":"temp_c","raised":75,"min":75,"max":75}},"at":"2026-12-07T03:14:48.146Z","actor":"hazardd"}',1796613288147,'50446cbd-H4');
INSERT INTO outbox_sent VALUES(9,'hazard',0,'{"hazard_id":"50446cbd-H4","event":"cleared","type":"charger_overtemp","severity":"major","priority":"urgent","device":"chg-2","site":"site-2","state":"cleared","raised_at":"2026-12-07T03:14:48.146Z","deadline":"2026-12-08T03:14:48.146Z","cleared_at":"2026-12-07T03:14:49.232Z","occurrences":1,"clock_trusted":false,"detail":"temp_c 30 < clear level 48","evidence":{"raised":{"ts":1796613288146,"temp_c":75},"latest":{"ts":1796613289232,"temp_c":30},"peak":{"temp_c":75},"trigger":{"field":"temp_c","raised":75,"min":30,"max":75,"cleared":30},"cleared":{"ts":1796613289232,"temp_c":30}},"at":"2026-12-07T03:14:49.232Z","actor":"hazardd"}',1796613289239,'50446cbd-H4');
INSERT INTO outbox_sent VALUES(10,'hazard',1,'{"hazard_id":"50446cbd-H5","event":"raised","type":"low_battery","severity":"general","priority":"minor","device":"batt-1","site":"site-1","state":"open","raised_at":"2026-12-07T03:14:49.253Z","deadline":"2026-12-14T03:14:49.253Z","occurrences":1,"clock_trusted":false,"detail":"battery 5 <= battery_low_pct 20","evidence":{"raised":{"ts":1796613289253,"battery":5},"latest":{"ts":1796613289253,"battery":5},"peak":{"battery":5},"trigger":{"field":"battery","raised":5,"min":5,"max":5}},"at":"2026-12-07T03:14:49.253Z","actor":"hazardd"}',1796613289262,'50446cbd-H5');
INSERT INTO outbox_sent VALUES(11,'hazard',1,'{"hazard_id":"50446cbd-H5","event":"acknowledged","type":"low_battery","severity":"general","priority":"minor","device":"batt-1","site":"site-1","state":"acknowledged","raised_at":"2026-12-07T03:14:49.253Z","deadline":"2026-12-14T03:14:49.253Z","occurrences":1,"acked_at":"2026-12-07T03:14:49.308Z","clock_trusted":false,"detail":"battery 5 <= battery_low_pct 20","evidence":{"raised":{"ts":1796613289253,"battery":5},"latest":{"ts":1796613289253,"battery":5},"peak":{"battery":5},"trigger":{"field":"battery","raised":5,"min":5,"max":5}},"at":"2026-12-07T03:14:49.308Z","actor":"inspector-3","note":"battery ordered"}',1796613289308,'50446cbd-H5');
INSERT INTO outbox_sent VALUES(12,'hazard',1,'{"hazard_id":"50446cbd-H1","event":"cleared","type":"device_offline","severity":"general","priority":"serious","device":"hb-1","site":"site-1","state":"cleared","raised_at":"2026-12-07T03:14:46.066Z","deadline":"2026-12-14T03:14:46.066Z","cleared_at":"2026-12-07T03:14:49.340Z","occurrences":1,"clock_trusted":false,"detail":"message received","evidence":{"latest":{"ts":1796613289340,"battery":90},"peak":{"battery":90},"trigger":{},"cleared":{"ts":1796613289340,"battery":90}},"at":"2026-12-07T03:14:49.340Z","actor":"hazardd"}',1796613289342,'50446cbd-H1');
INSERT INTO outbox_sent VALUES(13,'hazard',1,'{"hazard_id":"50446cbd-H1","event":"reopened","type":"device_offline","severity":"general","priority":"serious","device":"hb-1","site":"site-1","state":"open","raised_at":"2026-12-07T03:14:46.066Z","deadline":"2026-12-14T03:14:46.066Z","occurrences":2,"clock_trusted":false,"detail":"no message for 2 s (heartbeat_s 2)","evidence":{"latest":{"ts":1796613289340,"battery":90},"peak":{"battery":90},"trigger":{}},"at":"2026-12-07T03:14:52.077Z","actor":"hazardd"}',1796613292077,'50446cbd-H1');
INSERT INTO outbox_sent VALUES(17,'hazard',1,'{"hazard_id":"50446cbd-H6","event":"raised","type":"overcharge","severity":"general","priority":"serious","device":"chg-1","site":"site-2","state":"open","raised_at":"2026-12-07T03:15:21.129Z","deadline":"2026-12-14T03:15:21.129Z","occurrences":1,"clock_trusted":false,"detail":"charging for 0.01 h >= max_charge_h 0.01","evidence":{"raised":{"ts":1796613320146,"power_w":120},"latest":{"ts":1796613320146,"power_w":120},"peak":{"power_w":120},"trigger":{"field":"power_w","raised":120,"min":120,"max":120}},"at":"2026-12-07T03:15:21.129Z","actor":"hazardd"}',1796613321130,'50446cbd-H6');
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('readings',48);
INSERT INTO sqlite_sequence VALUES('hazard_events',14);
INSERT INTO sqlite_sequence VALUES('outbox',18);
CREATE INDEX hazard_events_by_hazard ON hazard_events (hazard_id, seq);
CREATE INDEX outbox_drain ON outbox (cls, seq);
CREATE INDEX outbox_by_hazard ON outbox (hazard_id) WHERE hazard_id IS NOT NULL;
CREATE UNIQUE INDEX hazards_one_open ON hazards (device, type)  WHERE state != 'closed';
CREATE INDEX hazards_by_site ON hazards (site, raised_at_ms);
CREATE INDEX self_checks_by_time ON self_checks (at_ms);
COMMIT;
