"""What is proposed and how it is handled: sessions, themes, suggestions and their handling records.

One app label (``suggestions``), one module per group of models; import them from here.
"""

from suggestions.models.choices import (  # noqa: F401
    CHINESE_NUMERALS,
    FACE_TO_FACE_METHODS,
    FINAL_STATUSES,
    OPEN_STATUSES,
    PROMISE_CATEGORIES,
    PUBLIC_EVENT_KINDS,
    AssignmentStatus,
    Category,
    ContactMethod,
    EventKind,
    HandlerRole,
    ProgressKind,
    Publication,
    RequestStatus,
    Status,
    Verdict,
    _choices_check,
    chinese_ordinal,
)
from suggestions.models.event import (  # noqa: F401
    EVENT_ORDER_LOCK,
    Event,
    EventQuerySet,
    events_appended,
    lock_event_order,
)
from suggestions.models.facts import (  # noqa: F401
    DepartmentFacts,
    FactsFields,
    RoundFacts,
    StatCounter,
    StatDueCounter,
    SuggestionFacts,
)
from suggestions.models.handling import (  # noqa: F401
    Assignment,
    AssignmentQuerySet,
    CoHandlerOpinion,
    ContactRecord,
    ExtensionRequest,
    ProgressUpdate,
)
from suggestions.models.reference import (  # noqa: F401
    Remark,
    WorkdayCorrection,
)
from suggestions.models.reply import (  # noqa: F401
    Rating,
    Reply,
    ReplyQuerySet,
    validate_pdf,
)
from suggestions.models.session import (  # noqa: F401
    CongressSession,
    CongressSessionManager,
    Theme,
    ThemeManager,
)
from suggestions.models.suggestion import (  # noqa: F401
    Proposer,
    ProposerManager,
    Suggestion,
    SuggestionManager,
    SuggestionQuerySet,
)
