"""The values of a lead source, by the channel of DESIGN.md they name, and the values of an
inquiry type, as the systems leads come from spell them."""

from __future__ import annotations

from collections.abc import Mapping

from leadflow.core.aliases.keys import alias_index, alias_list
from leadflow.core.enums import Channel, InquiryType

SOURCE_DETAIL = "source_detail"
"""The profile key of a lead source as sent (the finer value behind the channel)."""


#: channel → the lead-source values that name it, as Salesforce (old and new default
#: picklists), HubSpot (original source), Marketo, Pardot, Zoho, SuiteCRM, Dynamics 365 (lead
#: source labels) and Odoo (sources) spell them. Every channel's own value is added.
SOURCE_VALUES: Mapping[Channel, tuple[str, ...]] = {
    Channel.WEB: alias_list(
        "Web, Website, Web Site, Web Form, Web-to-Lead, Online, Online Form, Online Store, "
        "Web Download, Contact Form, Contact Us, Landing Page, Landing Page Submission, "
        "Google, Google Ads, Google AdWords, Google Organic, Bing, Yahoo, Search Engine, "
        "Organic Search, Paid Search, SEO, SEM, PPC, Pay per Click Ads, Direct Traffic, "
        "Referral Sites, Referring Sites, AI Referrals, Social Media, Paid Social, "
        "Organic Social, Facebook, LinkedIn, Twitter, X (Twitter), Instagram, YouTube, "
        "youtubechannel, Blog, Chat, Live Chat, Olark Chat, Click2call, Banner Ad, Display Ad, "
        "Online Ad, Online Advertising"
    ),
    Channel.EVENT: alias_list(
        "Event, Events, Trade Show, Tradeshow, Trade Fair, Conference, Exhibition, Expo, "
        "Seminar, Seminar - Internal, Seminar - Partner, Internal Seminar, Seminar Partner, "
        "Webinar, Workshop, Roadshow, Meetup, Event Scan, Event/Tradeshow"
    ),
    Channel.PURCHASED_LIST: alias_list(
        "Purchased List, List Import, List, List Purchase, Purchased, Bought List, Rented List, "
        "Data Vendor"
    ),
    Channel.REFERRAL: alias_list(
        "Referral, Referrals, Reference, Partner, Partner Referral, Employee, Employee Referral, "
        "Customer Referral, External Referral, Word of Mouth, Reseller"
    ),
    Channel.PRINT_ADVERTISEMENT: alias_list(
        "Advertisement, Advertising, Ad, Ads, Print, Print Ad, Print Advertisement, Magazine, "
        "Newspaper"
    ),
    Channel.DIRECT_MAIL: alias_list(
        "Direct Mail, Mail, Mailing, Mailer, Postal Mail, Email Marketing, Email Campaign, "
        "E-mail Campaign, Email Blast, Newsletter"
    ),
    Channel.PUBLIC_RELATIONS: alias_list("Public Relations, PR, Press, Press Release, Media"),
    Channel.SALES_PROSPECTING: alias_list(
        "Sales, Sales Prospecting, Prospecting, Cold Call, Cold Calling, Outbound, "
        "Telemarketing, Self Generated, Sales Generated, Web Research"
    ),
    # Inbound contact by phone or e-mail says how the person reached us, not which channel
    # brought them; the source detail keeps the value.
    Channel.OTHER: alias_list(
        "Other, Phone Inquiry, Phone, Email, E-mail, Sales Email Alias, Existing Customer, "
        "Campaign, Offline, Offline Sources, Other Campaigns, Lead Recall"
    ),
}

SOURCE_CHANNELS: Mapping[str, Channel] = {
    key: Channel(value)
    for key, value in alias_index(
        {channel.value: (channel.value, *values) for channel, values in SOURCE_VALUES.items()}
    ).items()
}
"""alias key of a lead-source value → the channel it names."""


#: inquiry type → the values that name it (each type's own value is added).
INQUIRY_VALUES: Mapping[InquiryType, tuple[str, ...]] = {
    InquiryType.INFORMATION_REQUEST: alias_list(
        "Information, Info, Information Request, General Information Request"
    ),
    InquiryType.NEEDS_ASSESSMENT_REQUEST: alias_list(
        "Needs Assessment, Business Needs Assessment, Business Needs Assessment Request"
    ),
    InquiryType.DEMO_REQUEST: alias_list("Demo"),
    InquiryType.DEMO_AND_PROPOSAL_REQUEST: alias_list("Demo and Proposal, RFP, Proposal"),
}

INQUIRY_TYPES: Mapping[str, InquiryType] = {
    key: InquiryType(value)
    for key, value in alias_index(
        {kind.value: (kind.value, *values) for kind, values in INQUIRY_VALUES.items()}
    ).items()
}
