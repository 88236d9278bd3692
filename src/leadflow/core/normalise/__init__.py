"""Normalisation of incoming leads (DESIGN.md, "Core objects" and "Non-functional").

Every lead, whether from a web form, the API or a spreadsheet import, goes through `normalise_lead`
before it is stored or matched for de-duplication (`leadflow.core.dedupe`): e-mails and phones get
one canonical spelling, countries and subdivisions their ISO 3166 codes (which partner territories
and working calendars use), and companies and people a matching key that ignores case, accents,
punctuation and legal forms. Imports must report every rejected row with its reason, so the lead
normaliser collects all field errors instead of stopping at the first.

Imports normalise hundreds of thousands of rows: regexes are compiled once, the country and
subdivision tables are built once per process, and the values that repeat across rows (countries,
subdivisions, company names, websites) are looked up through bounded caches.

One module per concept: how text is folded for comparison (``text``), e-mail and phone
(``contact``), country and subdivision with their alias tables (``places``), the matching keys
of companies, domains and people and name splitting (``keys``), and the whole lead (``lead``).
The names the rest of LeadFlow uses are importable from here, as they were when this was one
module.
"""

from leadflow.core.normalise.contact import normalise_email, normalise_phone
from leadflow.core.normalise.keys import company_key, domain_key, person_key, split_name
from leadflow.core.normalise.lead import NormalisedLead, RawLead, normalise_lead
from leadflow.core.normalise.places import normalise_country, normalise_subdivision

__all__ = [
    "NormalisedLead",
    "RawLead",
    "company_key",
    "domain_key",
    "normalise_country",
    "normalise_email",
    "normalise_lead",
    "normalise_phone",
    "normalise_subdivision",
    "person_key",
    "split_name",
]
