from django import template

from dashboard import environments
from dashboard.kernel.fields import BOTH
from dashboard.kernel.reversing import environment_reverse
from dashboard.kernel.roles import CHANGE
from dashboard.kernel.statements import Prepared
from dashboard.promotion import access
from dashboard.promotion.models import Promotion

register = template.Library()

_PROMOTIONS_OF = Prepared(Promotion.of)


@register.simple_tag(takes_context=True)
def promotion_targets(context, app) -> list[tuple[environments.Environment, str]]:
    """The environments the user may copy `app` into, with the preview's URL in each."""
    if getattr(app, "application_type", None) not in BOTH:
        return []
    here, user = environments.current(), context["request"].user
    return [
        (there, environment_reverse(there.name, "promotion:promote", here.name, app.id))
        for there in environments.all()
        if there != here and access.may(user, CHANGE, there.name)
    ]


@register.simple_tag
def promotions_of(app) -> list[Promotion]:
    """The promotions `app`, of the current environment, is a side of."""
    return _PROMOTIONS_OF.objects(environments.current().name, app.id)


@register.filter
def environment_label(name: str) -> str:
    """An environment's label, or its name once it is no longer configured."""
    environment = environments.get(name)
    return environment.label if environment else name


@register.simple_tag
def environment_url(name: str, viewname: str, *args) -> str:
    """A link into environment `name`; "" once it is no longer configured."""
    return environment_reverse(name, viewname, *args) if environments.get(name) else ""
