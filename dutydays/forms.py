"""Forms of the duty-day pages."""

import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from liaison.common.forms import BootstrapBoundField, bootstrap, choice_field, date_input

from .models import Activity

MAX_PHOTOS = 5
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
MAX_PIXELS = 40_000_000


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Sequence[UploadedFile]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_("At most %(n)d photos.") % {"n": MAX_PHOTOS})
        for f in files:
            if f.size > settings.DUTY_PHOTO_MAX_SIZE:
                raise ValidationError(
                    _("%(name)s is larger than %(mb)d MB.")
                    % {"name": f.name, "mb": settings.DUTY_PHOTO_MAX_SIZE // (1024 * 1024)}
                )
            try:
                image = Image.open(f)
                if image.size[0] * image.size[1] > MAX_PIXELS:
                    raise Image.DecompressionBombError(image.size)
                image.verify()
            except Image.DecompressionBombError:
                raise ValidationError(
                    _("%(name)s has too many pixels.") % {"name": f.name}
                ) from None
            except (UnidentifiedImageError, OSError, ValueError):
                raise ValidationError(_("%(name)s is not a photo.") % {"name": f.name}) from None
            if image.format not in PHOTO_FORMATS:
                raise ValidationError(_("%(name)s: use JPEG, PNG or WebP.") % {"name": f.name})
            # Never keep the uploaded name: the stored name's extension decides how the file
            # is served, and it must match what the bytes are.
            f.name = f"{uuid.uuid4().hex}.{PHOTO_FORMATS[image.format]}"
            f.seek(0)
        return files


class DutyDayForm(forms.Form):
    """Log a day in the field (a second entry for the same day adds to it)."""

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

    def __init__(
        self,
        *args: Any,
        place_choices: Iterable[tuple[int, str]],
        household_choices: Iterable[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "area").choices = place_choices
        choice_field(self, "households").choices = household_choices
        bootstrap(self)
