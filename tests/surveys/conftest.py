"""The accounts world (札幌市, 函館市 in 北海道; 青森市 in 青森県; 厚生労働省, 総務省; a user per
role), shared with the tenancy matrix."""

from tests.accounts.conftest import _requests_commit, world  # noqa: F401
