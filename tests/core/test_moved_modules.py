"""explorer/_moved.py: the module paths from before the split into subpackages still import, as the same
module objects (a monkeypatch through either name patches both), and `dx.*` names are unchanged."""
import importlib

import pytest

import explorer as dx
from explorer._moved import MOVED


# explorer.serve.app builds a page when imported (a script for `panel serve`): not imported here
@pytest.mark.parametrize("old", sorted(set(MOVED) - {"app"}))
def test_every_old_path_imports_the_module_at_its_new_home(old):
    before = importlib.import_module("explorer." + MOVED[old])
    after = importlib.import_module("explorer." + old)
    assert after is before
    assert after.__name__ == "explorer." + MOVED[old]
    assert after.__spec__.name == "explorer." + MOVED[old]  # the alias did not overwrite the real spec


def test_old_from_imports_and_public_names():
    from explorer.samplers import sample

    from explorer.training import train  # the old training module's name, now a package

    assert sample is dx.sample and train is dx.train
    for name in dx.__all__:
        assert getattr(dx, name) is not None


def test_old_modules_are_attributes_of_the_package_too():
    import explorer

    assert explorer.timegrids is importlib.import_module("explorer.core.timegrids")  # notebooks wrote this
    with pytest.raises(AttributeError):
        explorer.no_such_module  # noqa: B018


def test_an_unknown_old_name_still_fails():
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("explorer.no_such_module")
