"""Forms of the duty-day pages."""

import datetime
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from PIL import Image, UnidentifiedImageError

from liaison.common.forms import BootstrapBoundField, bootstrap, choice_field, date_input

from .models import Activity

MAX_PHOTOS = 5
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MAX_PIXELS = 40_000_000


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several image files; the field checks how many, `check_photo` each file."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Sequence[UploadedFile]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_("At most %(n)d photos.") % {"n": MAX_PHOTOS})
        return files


def check_photo(f: UploadedFile) -> str | None:
    """Return why an uploaded file cannot be a duty-day photo, or None (then rename it)."""
    if (f.size or 0) > settings.DUTY_PHOTO_MAX_SIZE:
        return _("%(name)s is larger than %(mb)d MB.") % {
            "name": f.name,
            "mb": settings.DUTY_PHOTO_MAX_SIZE // (1024 * 1024),
        }
    try:
        image = Image.open(f)
        if image.size[0] * image.size[1] > MAX_PIXELS:
            raise Image.DecompressionBombError(image.size)
        image.verify()
    except Image.DecompressionBombError:
        return _("%(name)s has too many pixels.") % {"name": f.name}
    except (UnidentifiedImageError, OSError, ValueError):
        return _("%(name)s is not a photo.") % {"name": f.name}
    if image.format not in PHOTO_FORMATS:
        return _("%(name)s: use JPEG, PNG or WebP.") % {"name": f.name}
    # Never keep the uploaded name: the stored name's extension decides how the file is
    # served, and it must match what the bytes are.
    f.name = f"{uuid.uuid4().hex}.{PHOTO_FORMATS[image.format]}"
    f.seek(0)
    return None


class TokenListField(forms.Field):
    """The tokens of photos kept from a submit that failed (hidden inputs or checkboxes)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        values = value if isinstance(value, list | tuple) else []
        return list(dict.fromkeys(v for v in values if isinstance(v, str) and v))


class DutyDayForm(forms.Form):
    """Log a day in the field (a second entry for the same day adds to it).

    Photos are checked one by one: every bad file is named, and the good ones are kept
    (`kept`: (token, stored name)) when the submit fails for any reason, so the next submit
    need not pick them again; `kept_photos` carries their tokens back.
    """

    bound_field_class = BootstrapBoundField
    date = forms.DateField(label=_("Date"), initial=timezone.localdate, widget=date_input())
    area = forms.TypedChoiceField(label=_("Place"), coerce=int, choices=())
    activities = forms.MultipleChoiceField(
        label=_("What you did"),
        choices=Activity.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    households = forms.TypedMultipleChoiceField(
        label=_("Households visited"), coerce=int, choices=(), required=False,
        widget=forms.CheckboxSelectMultiple,
    )  # fmt: skip
    diary = forms.CharField(
        label=_("Diary"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(
            attrs={"rows": 5, "placeholder": _("What you saw, heard and thought")}
        ),
    )
    problems = forms.CharField(
        label=_("Problems found"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    photos = MultipleImageField(label=_("Photos"), required=False)
    kept_photos = TokenListField(required=False)

    def __init__(
        self,
        *args: Any,
        place_choices: Iterable[tuple[int, str]],
        household_choices: Iterable[tuple[int, str]],
        user: Any = None,
        first_date: datetime.date | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "area").choices = place_choices
        choice_field(self, "households").choices = household_choices
        bootstrap(self)
        # The date picker offers only the days that can be logged: none after today, and
        # for a cadre's own account none before the edit window.
        self.fields["date"].widget.attrs["max"] = timezone.localdate().isoformat()
        if first_date is not None:
            self.fields["date"].widget.attrs["min"] = first_date.isoformat()
        self.user = user
        self.good_photos: list[UploadedFile] = []
        self.kept: list[tuple[str, str]] = []

    def clean_photos(self) -> Sequence[UploadedFile]:
        files = self.cleaned_data["photos"]
        problems = []
        for f in files:
            problem = check_photo(f)
            if problem is None:
                self.good_photos.append(f)
            else:
                problems.append(problem)
        if problems:
            raise ValidationError(problems)
        return files

    def clean_kept_photos(self) -> list[str]:
        from .selectors import kept_photo_get

        gone = 0
        for token in self.cleaned_data["kept_photos"][:MAX_PHOTOS]:
            try:
                self.kept.append((token, kept_photo_get(user=self.user, token=token)))
            except Http404:
                gone += 1
        if gone:
            raise ValidationError(
                ngettext(
                    "A photo kept from your last attempt is no longer there; pick it again.",
                    "%(n)d photos kept from your last attempt are no longer there; "
                    "pick them again.",
                    gone,
                )
                % {"n": gone}
            )
        return [name for _token, name in self.kept]

    def clean(self) -> dict[str, Any] | None:
        data = super().clean()
        if len(self.kept) + len(self.good_photos) > MAX_PHOTOS and "photos" not in self.errors:
            self.add_error(
                "photos",
                _("At most %(n)d photos, those kept from your last attempt included.")
                % {"n": MAX_PHOTOS},
            )
        return data

    def only_photos_failed(self) -> bool:
        """Whether the form's errors (if any) are all about photos."""
        return not set(self.errors) - {"photos", "kept_photos"}
