"""Sales-call appointments (issue 20, item 1): an attendee's availability, booking a call for
a qualified lead, its RFC 5545 invitation, its delivery to an agency's client
(docs/APPOINTMENTS.md)."""
