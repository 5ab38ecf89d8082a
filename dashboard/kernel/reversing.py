"""Links between environments. Each environment has its own URL configuration, with the
same URL names (built by the project's root URL configuration, `settings.ROOT_URLCONF`);
a request is served with its environment's, so `reverse()` and `{% url %}` link within the
page's environment, and `environment_reverse` into another one."""

from importlib import import_module
from types import ModuleType

from django.conf import settings
from django.urls import reverse


def urlconf(name: str) -> ModuleType:
    """The URL configuration of environment `name`, as `request.urlconf` takes it."""
    # Found through the setting: the root configuration names every feature's URLs, which
    # the kernel does not import.
    return import_module(settings.ROOT_URLCONF).urlconf(name)


def environment_reverse(name: str, viewname: str, *args, **kwargs) -> str:
    """The URL of `viewname` in environment `name`, from a page of any environment."""
    return reverse(viewname, args=args, kwargs=kwargs, urlconf=urlconf(name))
