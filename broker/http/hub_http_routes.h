/*  hub_http_routes: the handlers the route table of hub_http.c names, one
    group per file. A new endpoint declares its handler here.
*/
#ifndef HUB_HTTP_ROUTES_H
#define HUB_HTTP_ROUTES_H

#include "hub_http_handler.h"

/* hub_http_publish.c: POST /v1/messages/{type} */
hub_http_handler_fn hub_http_publish;

/* hub_http_read.c: GET /v1/status, /v1/commissions, /v1/commissions/{id},
   /v1/history */
hub_http_handler_fn hub_http_read_status;
hub_http_handler_fn hub_http_read_commissions;
hub_http_handler_fn hub_http_read_commission;
hub_http_handler_fn hub_http_read_history;

/* hub_http_openapi.c: GET /v1/openapi.json (served without a token) */
hub_http_handler_fn hub_http_openapi;

/* hub_http_events.c: GET /v1/events (Server-Sent Events) */
hub_http_handler_fn hub_http_events;

/* hub_http_ocds.c: GET /v1/ocds/{commission} (without a token with
   --http-public-ocds) */
hub_http_handler_fn hub_http_ocds;

/* hub_http_dash.c: the dashboard's pages (GET /, /commissions/{id}, /hub)
   and its sign-in (GET and POST /signin, /sign-in) */
hub_http_handler_fn hub_http_dash_commissions;
hub_http_handler_fn hub_http_dash_commission;
hub_http_handler_fn hub_http_dash_hub;
hub_http_handler_fn hub_http_dash_signin_form;
hub_http_handler_fn hub_http_dash_signin;

#endif
