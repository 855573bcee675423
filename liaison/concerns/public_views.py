"""Pages of the public side, no login: the form at /c/, the status lookup, the board; and
the staff's printable contact cards with their QR codes (login)."""

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from districts import selectors as district_selectors
from districts.access import require
from districts.models import Area, AreaLevel, Household
from districts.validators import validate_phone
from liaison.common.forms import add_service_errors
from liaison.common.limits import RateLimited
from liaison.common.net import client_ip
from liaison.core import selectors as core_selectors
from liaison.core.models import ContactInfo

from . import public
from .models import Category, ContactCard, Kind

if TYPE_CHECKING:
    from django.http import HttpRequest


# The form ------------------------------------------------------------------------------


class PublicForm(forms.Form):
    description = forms.CharField(
        label=gettext_lazy("What happened?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("What kind of matter"),
        choices=Kind.choices,
        initial=Kind.HELP,
        widget=forms.RadioSelect,
    )
    category = forms.ModelChoiceField(
        label=gettext_lazy("About"),
        queryset=Category.objects.filter(active=True),
        empty_label=None,
    )
    name = forms.CharField(
        label=gettext_lazy("Your name (optional)"), max_length=50, required=False
    )
    phone = forms.CharField(
        label=gettext_lazy("Your phone (optional)"),
        max_length=20,
        required=False,
        validators=[validate_phone],
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    photo = forms.FileField(
        label=gettext_lazy("Photo (optional)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*"}),
    )

    def clean_photo(self) -> Any:
        """A photo from anyone on the internet: it must open as an image."""
        photo = self.cleaned_data.get("photo")
        if not photo:
            return photo
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(photo) as image:
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            raise ValidationError(_("Choose a photo (JPEG, PNG, WebP or GIF).")) from None
        photo.seek(0)
        return photo

    answer = forms.CharField(
        max_length=4, widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"})
    )
    token = forms.CharField(widget=forms.HiddenInput)
    g = forms.CharField(required=False, widget=forms.HiddenInput)
    k = forms.CharField(required=False, widget=forms.HiddenInput)
    # The honeypot: hidden from people by the stylesheet, filled by bots.
    website = forms.CharField(
        required=False,
        label=gettext_lazy("Leave this empty"),
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )


def _place_of(g: str, k: str) -> tuple[Area | None, ContactCard | None]:
    card = public.card_by_code(k) if k else None
    if card is not None:
        return card.household.group, card
    return public.public_group(g), None


def _picker(request: "HttpRequest") -> dict[str, Any]:
    """A village and group picker without JavaScript: township, then village, then group."""
    t, v = request.GET.get("t", "")[:20], request.GET.get("v", "")[:20]
    village = Area.objects.filter(code=v, level=AreaLevel.VILLAGE).first() if v else None
    township = Area.objects.filter(code=t, level=AreaLevel.TOWNSHIP).first() if t else None
    if village is not None:
        return {
            "step": "group",
            "parent": village,
            "choices": Area.objects.filter(parent=village, level=AreaLevel.GROUP).order_by("code"),
        }
    if township is not None:
        return {
            "step": "village",
            "parent": township,
            "choices": Area.objects.filter(parent=township, level=AreaLevel.VILLAGE).order_by(
                "code"
            ),
        }
    return {
        "step": "township",
        "parent": None,
        "choices": Area.objects.filter(level=AreaLevel.TOWNSHIP).order_by("code"),
    }


def _form_page(
    request: "HttpRequest",
    form: PublicForm,
    place: Area | None,
    card: ContactCard | None,
    status=200,
) -> HttpResponse:
    challenge = public.challenge_new()
    if form.is_bound:
        # A new question each time: the answer given to the old one is cleared.
        data = request.POST.copy()
        data["token"] = challenge.token
        data["answer"] = ""
        form.data = data
    else:
        form.initial["token"] = challenge.token
    return render(
        request,
        "public/form.html",
        {
            "form": form,
            "place": place,
            "card": card,
            "question": challenge.question,
            "picker": None if place is not None else _picker(request),
        },
        status=status,
    )


@never_cache
def public_form(request: "HttpRequest") -> HttpResponse:
    """The public form: what happened, kind, optional name, phone and photo; no login."""
    source = request.POST if request.method == "POST" else request.GET
    g, k = source.get("g", "")[:20], source.get("k", "")[:12]
    place, card = _place_of(g, k)
    if request.method != "POST":
        form = PublicForm(initial={"g": g, "k": k if card else ""})
        return _form_page(request, form, place, card)
    form = PublicForm(request.POST, request.FILES)
    if request.POST.get("website"):
        form.is_valid()
        form.add_error(None, _("The form could not be sent."))
        return _form_page(request, form, place, card, status=400)
    if not form.is_valid():
        return _form_page(request, form, place, card, status=400)
    data = form.cleaned_data
    try:
        public.challenge_check(data["token"], data["answer"])
        public.check_form_rate(ip=client_ip(request), phone=data["phone"])
        photos = [data["photo"]] if data.get("photo") else []
        concern = public.public_concern_create(
            group_code=g,
            card_code=k,
            kind=data["kind"],
            category=data["category"],
            description=data["description"],
            name=data["name"],
            phone=data["phone"],
            photos=photos,
        )
    except RateLimited as exc:
        form.add_error(None, str(exc.args[0]))
        response = _form_page(request, form, place, card, status=429)
        response["Retry-After"] = str(exc.retry_after)
        return response
    except ValidationError as exc:
        add_service_errors(form, exc)
        return _form_page(request, form, place, card, status=400)
    return render(
        request,
        "public/receipt.html",
        {"concern": concern, "anonymous": not concern.reporter_phone},
    )


# Status lookup --------------------------------------------------------------------------


class LookupForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("Tracking number"), max_length=30)
    secret = forms.CharField(
        label=gettext_lazy("Last four digits of your phone, or the lookup code"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )


@never_cache
def public_status(request: "HttpRequest") -> HttpResponse:
    """The state, dates and published notes of a concern, by number and phone tail or code."""
    # Asked by POST: the phone's tail or the lookup code stays out of addresses, the
    # browser's history and the server's logs; a GET only fills in the number (receipt).
    if request.method == "POST":
        form = LookupForm(request.POST)
    else:
        form = LookupForm(initial={"number": request.GET.get("number", "")[:30]})
    status, found = 200, None
    if form.is_bound and form.is_valid():
        try:
            public.check_lookup_rate(ip=client_ip(request))
        except RateLimited as exc:
            form.add_error(None, str(exc.args[0]))
            response = render(request, "public/status.html", {"form": form}, status=429)
            response["Retry-After"] = str(exc.retry_after)
            return response
        concern = public.public_lookup(
            tracking_number=form.cleaned_data["number"], secret=form.cleaned_data["secret"]
        )
        if concern is None:
            form.add_error(None, _("Not found, or the number and the code do not match."))
            status = 404
        else:
            found = public.public_status(concern)
    return render(request, "public/status.html", {"form": form, "found": found}, status=status)


# The board ------------------------------------------------------------------------------


def _board(code: str) -> tuple[Area, dict[str, Any]]:
    area = public.board_area(code)
    if area is None:
        raise Http404(_("No public board here."))
    return area, public.board_figures(area)


def public_board(request: "HttpRequest", code: str) -> HttpResponse:
    """The accountability board of a township (or a village where switched on)."""
    area, board = _board(code)
    return render(request, "public/board.html", {"area": area, "board": board})


def public_board_json(request: "HttpRequest", code: str) -> JsonResponse:
    _area, board = _board(code)
    return JsonResponse(board, json_dumps_params={"ensure_ascii": False})


# Printable cards with the QR code (staff) ------------------------------------------------


@login_required
def contact_cards_qr(request: "HttpRequest", pk: int) -> HttpResponse:
    """Printable contact cards with the QR code of each household's card (issued here)."""
    area = district_selectors.area_get(user=request.user, pk=pk)
    if area.level not in (AreaLevel.VILLAGE, AreaLevel.GROUP):
        raise Http404(_("Contact cards are printed by village or group."))
    cards = public.contact_cards_issue(area=area, by=request.user)[:2000]
    households = [c.household for c in cards]
    cadres = core_selectors.current_cadres(households)
    chain = [*district_selectors.area_ancestors(area), area]
    infos = {c.area_id: c for c in ContactInfo.objects.filter(area__in=chain)}
    hotline = next(
        (infos[a.pk].hotline for a in reversed(chain) if a.pk in infos and infos[a.pk].hotline), ""
    )
    base = public.public_base_url(request)
    groups = {a.pk: a for a in Area.objects.filter(pk__in={h.group_id for h in households})}
    rows = []
    for card in cards:
        household: Household = card.household
        household.group = groups[household.group_id]
        url = public.card_url(card, base)
        rows.append(
            {
                "card": card,
                "household": household,
                "cadre": cadres.get(household.pk),
                "url": url,
                "svg": public.qr_svg_inline(url),
            }
        )
    return render(
        request,
        "concerns/public_cards.html",
        {"area": area, "rows": rows, "hotline": hotline},
    )


@login_required
def contact_card_qr(request: "HttpRequest", code: str, kind: str) -> HttpResponse:
    """A card's QR code as PNG or SVG (staff: who may see the household)."""
    card = ContactCard.objects.select_related("household__group").filter(code=code).first()
    if card is None:
        raise Http404(_("No such card."))
    require(request.user, "view_households", card.household)
    url = public.card_url(card, public.public_base_url(request))
    image = public.qr_image(url, kind=kind, scale=8 if kind == "png" else 4)
    content_type = "image/png" if kind == "png" else "image/svg+xml"
    return HttpResponse(image, content_type=content_type)
