"""Use cases on in-memory fakes of the ports (tests/fakes.py): the service layer without the stack.

Here `service` is the EnrollmentService on the fakes; it stands in for the root conftest's
`service` (which runs an app on the real stack), which no unit test needs.
"""

from __future__ import annotations

import pytest

from samla_shared.persistence.document_locks import DocumentLocks
from samla_enrollment.service_layer.directory import Directory
from samla_enrollment.service_layer.handlers import EnrollmentService
from samla_enrollment.service_layer.privacy import PersonalData


@pytest.fixture
def store(fakes):
    return fakes.FakeEnrollmentStore()


@pytest.fixture
def directory_store(fakes):
    return fakes.FakeDirectoryStore()


@pytest.fixture
def directory(directory_store) -> Directory:
    return Directory(directory_store, DocumentLocks())


@pytest.fixture
def locks() -> DocumentLocks:
    return DocumentLocks()


@pytest.fixture
async def service(store, directory, locks):
    enrollment = EnrollmentService(store, locks, directory=directory)
    yield enrollment
    await enrollment.close()


@pytest.fixture
def personal_data_store(fakes, store):
    return fakes.FakePersonalDataStore(store)


@pytest.fixture
def privacy(personal_data_store, service, locks) -> PersonalData:
    return PersonalData(personal_data_store, service.people, locks)
