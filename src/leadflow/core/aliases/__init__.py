"""The one table of names the intake understands (DESIGN.md, "Intake rules": every channel
shares one table of field and source aliases).

Leads arrive as columns of CRM exports and spreadsheets, and as fields of web-to-lead forms
built for Salesforce, HubSpot, Marketo or Pardot. The import (``imports.mapping``) and the web
form (``intake.webforms.posted``) both read this table, so a header means the same field, and a
lead source the same channel, whichever way the lead came in. (The REST API has its own field names
and takes the channel by its value: it needs no aliases.)

- **Headers**: by vocabulary, the names each system gives the fields the intake fills. Names are
  compared without case, accents, spaces or punctuation (``alias_key``), so ``FirstName``,
  ``first_name``, ``firstname`` and ``First Name`` are one header. When several columns of one
  row name the same field (``email_work`` and ``email_home``), the first non-empty one wins; the
  callers keep the others in the profile.
- **Addresses and consent**: street and city fill the lead's own fields; the opt-out flags
  (``Do Not Email``, ``HasOptedOutOfEmail``, ``Do Not Call``, ``donotphone``…) fill
  ``email_opt_out`` and ``do_not_call``, which set the contact's consent
  (``leadflow.core.consent``), not a column of the lead.
- **Headers of fields the lead does not have** (the source system's status) are listed apart in
  ``UNMAPPED_HEADERS``: they map to nothing and the callers keep them in the profile.
- **Lead sources**: the values each system puts in its lead source, by the channel of DESIGN.md
  they name. A value that names no channel is ``other`` (never a purchased list), and the value
  as sent is kept as the lead's source detail (``SOURCE_DETAIL`` in the profile) whenever it says
  more than the channel's own name.

The package: the header tables by vocabulary (``headers``), the lead-source and inquiry-type
values (``sources``), the lookups (``lookup``: ``header_field``, ``source_channel``,
``inquiry_type_of``) and the comparison key the tables share (``keys``: ``alias_key``). Every
public name is re-exported here.
"""

from leadflow.core.aliases.headers import (
    FIELDS,
    HEADER_FIELDS,
    HEADERS,
    UNMAPPED_HEADER_KEYS,
    UNMAPPED_HEADERS,
)
from leadflow.core.aliases.keys import alias_key
from leadflow.core.aliases.lookup import (
    SourceChannel,
    header_field,
    inquiry_type_of,
    source_channel,
)
from leadflow.core.aliases.sources import (
    INQUIRY_TYPES,
    INQUIRY_VALUES,
    SOURCE_CHANNELS,
    SOURCE_DETAIL,
    SOURCE_VALUES,
)

__all__ = [
    "FIELDS",
    "HEADERS",
    "HEADER_FIELDS",
    "INQUIRY_TYPES",
    "INQUIRY_VALUES",
    "SOURCE_CHANNELS",
    "SOURCE_DETAIL",
    "SOURCE_VALUES",
    "UNMAPPED_HEADERS",
    "UNMAPPED_HEADER_KEYS",
    "SourceChannel",
    "alias_key",
    "header_field",
    "inquiry_type_of",
    "source_channel",
]
