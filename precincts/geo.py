"""GeoJSON validation and point-in-polygon, without a GIS stack.

Zones are small (a canal post, a few streets), so plain ray casting on WGS84
longitude/latitude is exact enough and spares every install GDAL/PostGIS.
"""

from collections.abc import Sequence
from itertools import pairwise

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

Position = Sequence[float]


def _check_position(value: object) -> tuple[float, float]:
    if (
        not isinstance(value, list | tuple)
        or len(value) not in (2, 3)
        or not all(
            isinstance(c, int | float) and not isinstance(c, bool) for c in value
        )
    ):
        raise ValidationError(_("A position must be [longitude, latitude]."))
    lng, lat = float(value[0]), float(value[1])
    if not -180 <= lng <= 180 or not -90 <= lat <= 90:
        raise ValidationError(
            _("Position %(position)s is out of range (longitude, latitude)."),
            params={"position": [lng, lat]},
        )
    return lng, lat


def _check_ring(ring: object) -> None:
    if not isinstance(ring, list) or len(ring) < 4:
        raise ValidationError(_("A polygon ring needs at least four positions."))
    points = [_check_position(p) for p in ring]
    if points[0] != points[-1]:
        raise ValidationError(_("A polygon ring must end where it starts."))


def validate_point(value: object) -> None:
    """A GeoJSON Point: {"type": "Point", "coordinates": [lng, lat]}."""
    if not isinstance(value, dict) or value.get("type") != "Point":
        raise ValidationError(_('Expected a GeoJSON object with "type": "Point".'))
    _check_position(value.get("coordinates"))


def validate_area(value: object) -> None:
    """A GeoJSON Polygon or MultiPolygon with closed rings."""
    if not isinstance(value, dict) or value.get("type") not in (
        "Polygon",
        "MultiPolygon",
    ):
        raise ValidationError(
            _('Expected a GeoJSON object with "type": "Polygon" or "MultiPolygon".')
        )
    coordinates = value.get("coordinates")
    polygons = [coordinates] if value["type"] == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons:
        raise ValidationError(_("The geometry has no coordinates."))
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise ValidationError(_("A polygon needs at least one ring."))
        for ring in polygon:
            _check_ring(ring)


def _in_ring(lng: float, lat: float, ring: Sequence[Position]) -> bool:
    inside = False
    for (x1, y1, *_z1), (x2, y2, *_z2) in pairwise(ring):
        if (y1 > lat) != (y2 > lat):
            x_cross = x1 + (lat - y1) * (x2 - x1) / (y2 - y1)
            if lng < x_cross:
                inside = not inside
    return inside


def contains(area: dict, lng: float, lat: float) -> bool:
    """Whether the point lies in a validated (Multi)Polygon, holes honoured."""
    polygons = (
        [area["coordinates"]] if area["type"] == "Polygon" else area["coordinates"]
    )
    for outer, *holes in polygons:
        if _in_ring(lng, lat, outer) and not any(
            _in_ring(lng, lat, hole) for hole in holes
        ):
            return True
    return False
