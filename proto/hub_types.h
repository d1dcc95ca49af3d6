/*  hub_types: the message-type table (hub_types.def) and the field table
    (hub_fields.def) as data, with lookups. Modules that need a function per
    type (the state machine's handlers, the validator's cross-field rules)
    expand the .def files themselves; everything else reads the rows here.
    Rows are static: every pointer returned lives as long as the program.
*/
#ifndef HUB_TYPES_H
#define HUB_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include "cyclehub.pb-c.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The stages column: one bit per Stage (1 << stage). */
#define HUB_A (1u << CYCLEHUB__V1__STAGE__STAGE_ANALYSE)
#define HUB_P (1u << CYCLEHUB__V1__STAGE__STAGE_PLAN)
#define HUB_D (1u << CYCLEHUB__V1__STAGE__STAGE_DO)
#define HUB_R (1u << CYCLEHUB__V1__STAGE__STAGE_REVIEW)

/* The relations column: who may send a type (hub_access says which role
   each relation needs). */
#define HUB_BROKER   0u     /* nobody: only the broker writes it */
#define HUB_OWNER    1u     /* the commission's owner */
#define HUB_PARTNER  2u     /* a listed partner */
#define HUB_SUPPLIER 4u     /* the supplier of the contract the message names */
#define HUB_ANYONE   8u     /* any registered agency holding a role that publishes (not observer alone) */

typedef struct {
    Cyclehub__V1__Envelope__BodyCase body_case;
    const char *member;         /* Envelope oneof member, "tender_published" */
    const char *message;        /* the body's message name, "TenderPublished" */
    const char *name;           /* type name, "tender.published" */
    const char *group;          /* CLI group, "procure"; NULL: no CLI command */
    const char *verb;           /* CLI verb, "tender" */
    const char *summary;        /* one line for lists and --help */
    unsigned stages;            /* HUB_A.. bits in which it is accepted */
    unsigned relations;         /* HUB_OWNER.. bits that may send it */
    const char *rule;           /* the sentence a refused sender reads */
    const char *ocds;           /* OCDS release builder ("tender"), "none" if none */
} hub_type_t;

/* The form of a field's value: picks the broker's check and the unit the
   CLI prints when the row gives none. */
typedef enum {
    HUB_FIELD_ID,           /* a local id: 1..64 of A-Z a-z 0-9 . _ : - */
    HUB_FIELD_ORG,          /* an org-id, SCHEME-id */
    HUB_FIELD_ORGS,         /* a list of distinct org-ids */
    HUB_FIELD_TITLE,        /* text up to HUB_VALIDATE_TITLE_MAX bytes */
    HUB_FIELD_TEXT,         /* text up to HUB_VALIDATE_TEXT_MAX bytes */
    HUB_FIELD_URL,          /* a link up to HUB_VALIDATE_URL_MAX bytes */
    HUB_FIELD_CODE,         /* a short code up to HUB_VALIDATE_CODE_MAX bytes */
    HUB_FIELD_EMAIL,        /* an email address, up to 320 bytes */
    HUB_FIELD_ADDRESS,      /* a postal address, up to 1000 bytes */
    HUB_FIELD_TITLES,       /* a list of TITLE */
    HUB_FIELD_TEXTS,        /* a list of TEXT */
    HUB_FIELD_URLS,         /* a list of URL */
    HUB_FIELD_TIME,         /* a time, ms since the epoch on the wire */
    HUB_FIELD_PERIOD,       /* a Period: its start_ms and end_ms rows follow */
    HUB_FIELD_MONEY,        /* a Money */
    HUB_FIELD_ENUM,         /* one of the enum's values (never UNSPECIFIED) */
    HUB_FIELD_NUMBER,       /* a finite number */
    HUB_FIELD_COUNT,        /* a whole number */
    HUB_FIELD_BOOL,         /* true or false */
    HUB_FIELD_MESSAGE,      /* a message whose fields have their own rows */
    HUB_FIELD_LIST          /* a list of messages, checked by the type's check */
} hub_field_kind_t;

typedef struct {
    Cyclehub__V1__Envelope__BodyCase body_case;
    const char *path;           /* below the body, "tender_period.end_ms" */
    bool required;              /* refused MISSING_FIELD without it */
    hub_field_kind_t kind;
    const char *meaning;        /* what it says, for --help and reject sentences */
    const char *unit;           /* the unit, "" when the kind says it */
} hub_field_t;

/* The i-th type row (from 0, in hub_types.def order), or NULL past the end. */
const hub_type_t *
    hub_types_at (size_t i);

/* The row of a body case, or NULL for NOT_SET or a case without a row. */
const hub_type_t *
    hub_types_of (Cyclehub__V1__Envelope__BodyCase body_case);

/* The row of a type name ("tender.published"), or NULL. */
const hub_type_t *
    hub_types_named (const char *name);

/* The row of a CLI command ("procure", "tender"), or NULL. */
const hub_type_t *
    hub_types_command (const char *group, const char *verb);

/* The i-th field row (from 0, in hub_fields.def order; a type's rows are
   together), or NULL past the end. */
const hub_field_t *
    hub_types_field_at (size_t i);

/* The rows of a body, together in hub_fields.def: the first, with their
   number in *count (NULL and 0 for a body without rows). The broker's
   check walks these per message, not the whole table. */
const hub_field_t *
    hub_types_fields (Cyclehub__V1__Envelope__BodyCase body_case, size_t *count);

/* The row of a field of a body ("tender_period.end_ms"), or NULL. */
const hub_field_t *
    hub_types_field (Cyclehub__V1__Envelope__BodyCase body_case, const char *path);

/* The unit to print for a field: its row's unit, else its kind's. */
const char *
    hub_types_field_unit (const hub_field_t *field);

/* The body message an envelope holds, or NULL if none is set (or the case
   is set with a NULL member, as only a hand-built envelope can be). */
const ProtobufCMessage *
    hub_types_body (const Cyclehub__V1__Envelope *env);

/* Follows a dotted path below msg. Returns the message that holds the last
   field and sets *field to its descriptor; returns NULL (and *field NULL)
   if the path names no field, or a message on the way is not set. */
const ProtobufCMessage *
    hub_types_locate (const ProtobufCMessage *msg, const char *path,
                      const ProtobufCFieldDescriptor **field);

/* hub_types_locate for a row of the table (hub_types_fields' rows) below
   its body: the same answer, from the path's field descriptors resolved
   once per process instead of looked up by name per message. */
const ProtobufCMessage *
    hub_types_locate_row (const ProtobufCMessage *body, const hub_field_t *row,
                          const ProtobufCFieldDescriptor **field);

/* The string value of a top-level string field of the envelope's body
   ("contract_id"), or NULL if there is no body or no such field. */
const char *
    hub_types_body_string (const Cyclehub__V1__Envelope *env, const char *name);

#ifdef __cplusplus
}
#endif
#endif
