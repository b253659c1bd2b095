"""factory_boy factories for every model the tests build, one module per app.

Import them from here (``from tests.factories import FollowUpFactory``): a test names only
what it cares about and the factory fills the rest. tests/test_factories.py fails when a test
builds a project model by hand (``Model.objects.create(...)``) that has no factory here.
National data (the seed programme, plan entries, documents with their files) is still built
through the product's services, never by factories or bulk inserts.
"""

from tests.factories.accounts import (
    AuditEventFactory,
    InvitationFactory,
    IssueJobFactory,
    UserFactory,
)
from tests.factories.actionplan import (
    AdviceFactory,
    CompletionItemFactory,
    ImportJobFactory,
    OrganizationSystemFactory,
    ProgrammeFactory,
    TargetSystemFactory,
    TaskFactory,
    WorkItemFactory,
    mark_published,
)
from tests.factories.documents import (
    AnnouncementFactory,
    CatalogueImportJobFactory,
    CategoryFactory,
    DocumentFactory,
    DocumentFileFactory,
    LinkageFactory,
    PortalLinkFactory,
    PortalPageFactory,
    PortalSectionFactory,
    ProcedureFactory,
    ProcedureFieldFactory,
)
from tests.factories.faq import FAQFactory, FAQImportJobFactory
from tests.factories.orgs import MinistryFactory, MunicipalityFactory, PrefectureFactory, jis_code
from tests.factories.outbox import MailFactory
from tests.factories.review import (
    ApprovedExceptionFactory,
    FollowUpFactory,
    LateExportJobFactory,
    ReportJobFactory,
)
from tests.factories.surveys import (
    QuestionFactory,
    ResponseFactory,
    ResultsJobFactory,
    SurveyFactory,
)

__all__ = [
    "AdviceFactory",
    "AnnouncementFactory",
    "ApprovedExceptionFactory",
    "AuditEventFactory",
    "CatalogueImportJobFactory",
    "CategoryFactory",
    "CompletionItemFactory",
    "DocumentFactory",
    "DocumentFileFactory",
    "FAQFactory",
    "FAQImportJobFactory",
    "FollowUpFactory",
    "ImportJobFactory",
    "InvitationFactory",
    "IssueJobFactory",
    "LateExportJobFactory",
    "LinkageFactory",
    "MailFactory",
    "MinistryFactory",
    "MunicipalityFactory",
    "OrganizationSystemFactory",
    "PortalLinkFactory",
    "PortalPageFactory",
    "PortalSectionFactory",
    "PrefectureFactory",
    "ProcedureFactory",
    "ProcedureFieldFactory",
    "ProgrammeFactory",
    "QuestionFactory",
    "ReportJobFactory",
    "ResponseFactory",
    "ResultsJobFactory",
    "SurveyFactory",
    "TargetSystemFactory",
    "TaskFactory",
    "UserFactory",
    "WorkItemFactory",
    "jis_code",
    "mark_published",
]
