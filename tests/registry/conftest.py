import pytest

from tests.registry.helpers import confirm_second_factor, new_key, registry_user


@pytest.fixture
def registry_keys(settings):
    settings.REGISTRY_KEYS = [new_key()]
    return settings.REGISTRY_KEYS


@pytest.fixture
def keeper(db):
    return registry_user(full_name="Rania Registry", email="rania@secretariat.example")


@pytest.fixture
def keeper_client(client, keeper, registry_keys):
    client.force_login(keeper)
    confirm_second_factor(client, keeper)
    return client
