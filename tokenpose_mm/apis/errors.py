"""Errors at the inference boundary."""


class InputError(ValueError):
    """An image, box or file at the inference boundary that cannot be used."""


class NoPersonFound(InputError):
    """The detector (or the boxes file) gave no usable person box for an image."""
