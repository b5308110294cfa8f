"""What each comparison-table data file (data/*.yaml) holds, as pydantic models.

scripts/tables/schema.py checks the files against these models and words the problems.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, StringConstraints, Tag,
                      create_model)

# dtypes of the accelerator table, in display order. int8 is in TOPS, the rest TFLOPS.
DTYPES = ("fp64", "fp32", "tf32", "fp16", "bf16", "fp8", "int8", "fp6", "fp4")
UNSUPPORTED = "unsupported"
LANGS = ("en", "zh")
URL_PATTERN = r"^https?://[^\s/$.?#][^\s]*$"


class Strict(BaseModel):
    # strict: no "80" for 80, no true for 1; an int is still a valid float
    model_config = ConfigDict(extra="forbid", strict=True)


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Number = Annotated[float, Field(ge=0, allow_inf_nan=False)]
Url = Annotated[str, StringConstraints(pattern=URL_PATTERN)]
Availability = Literal["ga", "announced"]
# A dtype the accelerator lacks is written 'unsupported'; null means unknown.
Dtype = Annotated[Number | None, BeforeValidator(lambda value: None if value == UNSUPPORTED else value)]
OPTIONAL = Field(default=None)  # may be left out, but not written as null


class I18n(Strict):
    en: Text
    zh: Text


Dtypes = create_model("Dtypes", __base__=Strict, **{name: (Dtype, ...) for name in DTYPES})


class SourceFields(Strict):
    url: Url
    fields: Annotated[list[str], Field(min_length=1)]  # the numbers of the row this source gives


# A source is a URL (it covers every number of the row) or {url, fields}.
Source = Annotated[Annotated[Url, Tag("url")] | Annotated[SourceFields, Tag("mapping")],
                   Discriminator(lambda value: "url" if isinstance(value, str)
                                 else "mapping" if isinstance(value, dict) else None)]
Sources = Annotated[list[Source], Field(min_length=1)]


class Accelerator(Strict):
    vendor: Text
    model: Text
    form_factor: Text
    availability: Availability
    tflops: Dtypes
    memory_gb: Number | None
    memory_type: Text
    memory_bw_tbs: Number | None
    tdp_w: Number | None
    sources: Sources
    notes: I18n = OPTIONAL


class HbmGeneration(Strict):
    generation: Text
    year: int
    data_rate_gbps: Number | None
    interface_bits: Number | None
    max_stack_height: Number | None
    capacity_per_stack_gb: Number | None
    bandwidth_per_stack_gbs: Number | None
    sources: Sources
    notes: I18n = OPTIONAL


class IntraNodeLink(Strict):
    name: Text
    family: Text
    year: int
    per_direction_gbs: Number | None
    bidirectional_gbs: Number | None
    availability: Availability
    used_in: I18n
    sources: Sources
    notes: I18n = OPTIONAL


class InterNodeFabric(Strict):
    name: Text
    family: Text
    year: int
    port_gbps: Number | None
    per_accelerator_gbps: Number | None
    node_design: I18n
    sources: Sources
    notes: I18n = OPTIONAL


@dataclass(frozen=True)
class Spec:
    """One data file: its name, where its rows live, what a row holds, its units."""

    filename: str
    list_key: str
    row: type[Strict]
    label_field: str    # names the row in messages
    key_fields: tuple   # make a row unique
    units: dict

    @property
    def numeric(self) -> tuple[str, ...]:
        """The number fields a source must cover (the dtypes too, for the accelerators)."""
        fields = self.row.model_fields
        return tuple(name for name in fields if fields[name].annotation == (Number | None)) + \
            (DTYPES if "tflops" in fields else ())

    def model(self) -> type[Strict]:
        """The whole file: units (exactly these) and a non-empty list of rows."""
        units = create_model("Units", __base__=Strict,
                             **{key: (Literal[unit], ...) for key, unit in self.units.items()})
        rows = Annotated[list[self.row], Field(min_length=1)]
        return create_model("File", __base__=Strict, units=(units, ...), **{self.list_key: (rows, ...)})


SPECS = {
    "accelerators": Spec("accelerators.yaml", "accelerators", Accelerator, "model", ("vendor", "model"),
                         {"tflops": "TFLOPS", "memory_gb": "GB", "memory_bw_tbs": "TB/s", "tdp_w": "W"}),
    "hbm": Spec("hbm.yaml", "generations", HbmGeneration, "generation", ("generation",),
                {"data_rate_gbps": "Gb/s", "interface_bits": "bit", "capacity_per_stack_gb": "GB",
                 "bandwidth_per_stack_gbs": "GB/s"}),
    "intra_node": Spec("intra_node_links.yaml", "links", IntraNodeLink, "name", ("name",),
                       {"per_direction_gbs": "GB/s", "bidirectional_gbs": "GB/s"}),
    "inter_node": Spec("inter_node_fabrics.yaml", "fabrics", InterNodeFabric, "name", ("name",),
                       {"port_gbps": "Gb/s", "per_accelerator_gbps": "Gb/s"}),
}
KIND_BY_LIST_KEY = {spec.list_key: kind for kind, spec in SPECS.items()}
I18N_FIELDS = {name for spec in SPECS.values() for name, info in spec.row.model_fields.items()
               if info.annotation is I18n}
