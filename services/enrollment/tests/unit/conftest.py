"""Use cases on in-memory fakes of the ports (tests/fakes.py): the service layer without the stack."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from samla_shared.persistence.document_locks import DocumentLocks
from samla_enrollment.service_layer.directory import Directory
from samla_enrollment.service_layer.handlers import EnrollmentService
from samla_enrollment.service_layer.privacy import PersonalData


def _fakes() -> ModuleType:
    """tests/ is no package (the import mode is importlib): load fakes.py by its path, once."""
    name = "samla_enrollment_test_fakes"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).parent.parent / "fakes.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@pytest.fixture
def store():
    return _fakes().FakeEnrollmentStore()


@pytest.fixture
def directory_store():
    return _fakes().FakeDirectoryStore()


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
def personal_data_store(store):
    return _fakes().FakePersonalDataStore(store)


@pytest.fixture
def privacy(personal_data_store, service, locks) -> PersonalData:
    return PersonalData(personal_data_store, service.people, locks)
