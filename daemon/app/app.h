/*
 * app.h: the application layer (last, docs/architecture.md): the loop
 * and its run-time state, records on the loop thread, outputs and
 * front-ends.  Every app file includes this one header.
 */
#ifndef APP_H
#define APP_H

#include "daemon.h"
#include "graph.h"
#include "notify.h"     /* io: systemd, fed the status line built here */

#endif /* APP_H */
