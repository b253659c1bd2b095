"""factory_boy factories for every model the tests build, one module per app.

Import them from here (``from tests.factories import FollowUpFactory``): a test names only
what it cares about and the factory fills the rest. tests/test_factories.py fails when a test
builds a project model by hand (``Model.objects.create(...)``) that has no factory here.
National data (the seed programme, plan entries, documents with their files) is still built
through the product's services, never by factories or bulk inserts.
"""

from tests.factories.accounts import UserFactory
from tests.factories.actionplan import mark_published
from tests.factories.orgs import MinistryFactory, MunicipalityFactory, PrefectureFactory, jis_code
from tests.factories.surveys import QuestionFactory, ResponseFactory, SurveyFactory

__all__ = [
    "MinistryFactory",
    "MunicipalityFactory",
    "PrefectureFactory",
    "QuestionFactory",
    "ResponseFactory",
    "SurveyFactory",
    "UserFactory",
    "jis_code",
    "mark_published",
]
