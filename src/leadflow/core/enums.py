"""The vocabulary of DESIGN.md as string enums; Django's TextChoices mirror these."""

from enum import StrEnum


class Budget(StrEnum):
    NONE = "none"
    PRELIMINARY = "preliminary"
    APPROVED = "approved"


class Authority(StrEnum):
    NONE = "none"
    INFLUENCER = "influencer"
    SPECIFIER = "specifier"
    DECISION_MAKER = "decision_maker"


class Need(StrEnum):
    NONE = "none"
    IDENTIFIED = "identified"
    ESTABLISHED = "established"


class BantFact(StrEnum):
    BUDGET = "budget"
    AUTHORITY = "authority"
    NEED = "need"
    TIMEFRAME = "timeframe"


class Stage(StrEnum):
    """Number of BANT criteria met: 0-1 inquiry, 2 lead, 3 opportunity, 4 qualified."""

    INQUIRY = "inquiry"
    LEAD = "lead"
    OPPORTUNITY = "opportunity"
    QUALIFIED_OPPORTUNITY = "qualified_opportunity"

    @classmethod
    def from_criteria_met(cls, met: int) -> "Stage":
        if met >= 4:
            return cls.QUALIFIED_OPPORTUNITY
        if met == 3:
            return cls.OPPORTUNITY
        if met == 2:
            return cls.LEAD
        return cls.INQUIRY

    @property
    def rank(self) -> int:
        return list(Stage).index(self)

    @property
    def is_prospect(self) -> bool:
        """Opportunity and above form the prospects database; the rest the leads database."""
        return self.rank >= Stage.OPPORTUNITY.rank


class Rating(StrEnum):
    HOT = "hot"
    A = "a"
    B = "b"
    C = "c"
    FYI = "fyi"

    @property
    def label(self) -> str:
        return {"hot": "Hot", "fyi": "FYI"}.get(self.value, self.value.upper())


class Channel(StrEnum):
    PRINT_ADVERTISEMENT = "print_advertisement"
    DIRECT_MAIL = "direct_mail"
    EVENT = "event"
    REFERRAL = "referral"
    WEB = "web"
    PURCHASED_LIST = "purchased_list"
    PUBLIC_RELATIONS = "public_relations"
    SALES_PROSPECTING = "sales_prospecting"
    OTHER = "other"


class InquiryType(StrEnum):
    INFORMATION_REQUEST = "information_request"
    NEEDS_ASSESSMENT_REQUEST = "needs_assessment_request"
    DEMO_REQUEST = "demo_request"
    DEMO_AND_PROPOSAL_REQUEST = "demo_and_proposal_request"


class DisqualificationReason(StrEnum):
    WRONG_FIT = "wrong_fit"
    COMPETITOR = "competitor"
    STUDENT = "student"
    BAD_DATA = "bad_data"
    NO_INTEREST = "no_interest"
    #: Merged into another lead of the same person (possible duplicates decided by a person).
    DUPLICATE = "duplicate"
    #: Created by an import that was undone.
    IMPORT_UNDONE = "import_undone"
    #: Disqualified without a reason given (``"disqualified": true`` in ``leadflow qualify``).
    UNSPECIFIED = "unspecified"
