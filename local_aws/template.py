"""Read the rendered SAM template and resolve the intrinsic functions the pipeline uses."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

INTRINSICS = {"Ref": "Ref", "Sub": "Fn::Sub", "GetAtt": "Fn::GetAtt", "If": "Fn::If", "Equals": "Fn::Equals", "Not": "Fn::Not", "Join": "Fn::Join",
              "Select": "Fn::Select", "Split": "Fn::Split", "FindInMap": "Fn::FindInMap"}


class TemplateError(Exception):
    pass


class _Loader(yaml.SafeLoader):
    pass


def _intrinsic(tag: str) -> Callable:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
            if tag == "Fn::GetAtt":
                value = value.split(".", 1)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {tag: value}

    return construct


for _short, _full in INTRINSICS.items():
    _Loader.add_constructor(f"!{_short}", _intrinsic(_full))


def load(path: Path) -> dict[str, Any]:
    try:
        return yaml.load(path.read_text(), Loader=_Loader)
    except OSError as error:
        raise TemplateError(f"{path}: cannot read the rendered template ({error.strerror}); run render.py first") from None


def _check_number(name: str, value: str, spec: dict[str, Any]) -> None:
    try:
        number = float(value)
    except ValueError:
        raise TemplateError(f"template parameter {name}={value!r} is not a number") from None
    if "MinValue" in spec and number < float(spec["MinValue"]):
        raise TemplateError(f"template parameter {name}={value} is below its MinValue {spec['MinValue']}")
    if "MaxValue" in spec and number > float(spec["MaxValue"]):
        raise TemplateError(f"template parameter {name}={value} is above its MaxValue {spec['MaxValue']}")


@dataclass
class Resolver:
    """Resolves Ref, Fn::Sub, Fn::GetAtt, Fn::If and conditions against given values."""

    template: dict[str, Any]
    parameters: dict[str, str]
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    physical_ids: dict[str, str] = field(default_factory=dict)
    pseudo: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        declared = self.template.get("Parameters", {})
        unknown = set(self.parameters) - set(declared)
        if unknown:
            raise TemplateError(f"unknown template parameters {sorted(unknown)}: expected some of {sorted(declared)}")
        values = {}
        for name, spec in declared.items():
            if name in self.parameters:
                values[name] = str(self.parameters[name])
            elif "Default" in spec:
                values[name] = str(spec["Default"])
            else:
                raise TemplateError(f"template parameter {name} has no default and no value was given")
            pattern = spec.get("AllowedPattern")
            if pattern and not re.fullmatch(pattern, values[name]):
                raise TemplateError(f"template parameter {name}={values[name]!r} does not match its AllowedPattern {pattern}")
            allowed = spec.get("AllowedValues")
            if allowed and values[name] not in [str(v) for v in allowed]:
                raise TemplateError(f"template parameter {name}={values[name]!r} is not one of {allowed}")
            if spec.get("Type") == "Number":
                _check_number(name, values[name], spec)
        self.parameters = values
        self.conditions = {name: self.resolve(body) for name, body in self.template.get("Conditions", {}).items()}
        self._check_rules()

    def _check_rules(self) -> None:
        """Rules as CloudFormation applies them: when a rule's condition holds, every assertion must (docs/aws-behaviours.md)."""
        for name, rule in self.template.get("Rules", {}).items():
            if "RuleCondition" in rule and not self.resolve(rule["RuleCondition"]):
                continue
            for assertion in rule.get("Assertions", []):
                if not self.resolve(assertion["Assert"]):
                    raise TemplateError(f"template rule {name}: {assertion.get('AssertDescription', 'an assertion failed')}")

    def ref(self, name: str) -> str:
        if name in self.pseudo:
            return self.pseudo[name]
        if name in self.parameters:
            if self.template.get("Parameters", {}).get(name, {}).get("Type") == "CommaDelimitedList":
                return self.parameters[name].split(",")
            return self.parameters[name]
        if name in self.physical_ids:
            return self.physical_ids[name]
        raise TemplateError(f"Ref to {name!r}: no parameter, pseudo parameter or emulated resource of that name")

    def get_att(self, resource: str, attribute: str) -> str:
        try:
            return self.attributes[resource][attribute]
        except KeyError:
            raise TemplateError(f"Fn::GetAtt {resource}.{attribute}: no emulated resource has it") from None

    def sub(self, text: str, extra: dict[str, Any] | None = None) -> str:
        extra = extra or {}

        def replace(match: re.Match) -> str:
            name = match.group(1)
            if name in extra:
                return str(self.resolve(extra[name]))
            if "." in name:
                return self.get_att(*name.split(".", 1))
            return self.ref(name)

        return re.sub(r"\$\{([^}!][^}]*)\}", replace, text)

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, body), = value.items()
            if key == "Ref":
                return self.ref(body)
            if key == "Fn::Sub":
                return self.sub(body) if isinstance(body, str) else self.sub(body[0], body[1])
            if key == "Fn::GetAtt":
                return self.get_att(*body)
            if key == "Fn::If":
                name, then, otherwise = body
                return self.resolve(then if self.conditions[name] else otherwise)
            if key == "Fn::Equals":
                return self.resolve(body[0]) == self.resolve(body[1])
            if key == "Fn::Not":
                return not self.resolve(body[0])
            if key == "Fn::Join":
                return body[0].join(str(self.resolve(part)) for part in self.resolve(body[1]))
            if key == "Fn::Split":
                return str(self.resolve(body[1])).split(body[0])
            if key == "Fn::Select":
                items = self.resolve(body[1])
                index = int(body[0])
                if not 0 <= index < len(items):
                    raise TemplateError(f"Fn::Select index {index} is out of range for {items!r}")
                return items[index]
            if key == "Fn::FindInMap":
                mapping, first, second = (self.resolve(part) for part in body)
                try:
                    return self.template["Mappings"][mapping][first][second]
                except KeyError:
                    raise TemplateError(f"Fn::FindInMap [{mapping}, {first}, {second}]: no such entry in the template's Mappings") from None
            if key == "Condition" and isinstance(body, str):
                return self.conditions[body]
        return {key: self.resolve(item) for key, item in value.items() if item != {"Ref": "AWS::NoValue"}}


def resources_of_type(template: dict[str, Any], type_name: str) -> dict[str, dict[str, Any]]:
    return {name: body for name, body in template.get("Resources", {}).items() if body.get("Type") == type_name}
