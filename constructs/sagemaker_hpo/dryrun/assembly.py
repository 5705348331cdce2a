"""Reading a cloud assembly (``cdk.out``): the tuning jobs it declares, choosing one, and finding its image.

A job is a ``Custom::SageMakerHyperParameterTuningJob`` resource; its ``Request`` property is the
``CreateHyperParameterTuningJob`` request and its ``aws:cdk:path`` metadata names the construct. The training image
is followed through the template (an SSM parameter published by the platform stack, an ``Fn::Sub``) to a Docker image
asset of the assembly (``<stack>.assets.json``, staged as ``asset.<hash>/``) when it is one.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..algorithms import builtin_repositories
from ..parameter_schema import IMAGE_URI
from .job import JobSpec, job_spec_from_request

#: The custom resource type of ``sagemaker_hpo.TuningJob``.
TUNING_JOB_TYPE = "Custom::SageMakerHyperParameterTuningJob"
#: Trailing construct ids CDK adds below the construct a user names.
_INNER_IDS = ("Default", "Resource")
_ASSET_HASH = re.compile(r"[0-9a-f]{64}")
#: Image repositories of SageMaker's built-in algorithms (``<account>.dkr.ecr.<region>.<suffix>/<repository>:tag``)
#: -> the algorithm's name, from the shipped data file.
BUILTIN_REPOSITORIES = builtin_repositories()


class AssemblyError(Exception):
    """The assembly cannot be read, synthesized, or does not hold the job asked for."""


#: The SSM parameter of a platform's (or team's) image named "gpu" ends with this (``parameter_schema.IMAGE_URI``).
PLATFORM_GPU_IMAGE_PARAMETER_SUFFIX = "/" + IMAGE_URI.key_for(name="gpu")
#: The packaged GPU training image's folder (``sagemaker_hpo.gpu_image.PACKAGED_DIRECTORY``, without importing it).
PACKAGED_GPU_IMAGE_DIRECTORY = Path(__file__).resolve().parents[1] / "images" / "gpu_training"


@dataclass(frozen=True)
class AssemblyJob:
    """A tuning job found in the assembly.

    :param path: the job's construct path (``MlpHyperband/MlpTuning``).
    :param stack: the stack artifact's id.
    :param logical_id: the custom resource's logical id.
    :param request: the ``CreateHyperParameterTuningJob`` request as synthesized.
    :param parameters: the template's ``Parameters`` (to follow SSM parameter references).
    """

    path: str
    stack: str
    logical_id: str
    request: Mapping[str, Any] = field(compare=False)
    parameters: Mapping[str, Any] = field(compare=False, default_factory=dict)

    def spec(self) -> JobSpec:
        """The job as typed values."""
        return job_spec_from_request(self.path, self.request)


@dataclass(frozen=True)
class ProgramSource:
    """Where the training program of a job comes from.

    :param kind: ``directory`` (a Docker image asset of the assembly: its folder can be run locally) or ``image``
        (an image URI the dry run cannot build, e.g. a built-in algorithm).
    :param directory: the asset folder (``kind == "directory"``). Default: None.
    :param uri: the image URI as far as it resolves, ``${...}`` for what only CloudFormation knows. Default: None.
    :param builtin_algorithm: the built-in algorithm the URI names (``xgboost``), if any. Default: None.
    """

    kind: str
    directory: Path | None = None
    uri: str | None = None
    builtin_algorithm: str | None = None


@dataclass
class Assembly:
    """A synthesized cloud assembly: its tuning jobs, SSM parameters and Docker image assets."""

    directory: Path
    jobs: list[AssemblyJob] = field(default_factory=list)
    #: SSM parameter name -> its ``Value`` as written in the template (string or expression).
    ssm_parameters: dict[str, Any] = field(default_factory=dict)
    #: Docker image asset hash -> its staged folder.
    docker_assets: dict[str, Path] = field(default_factory=dict)

    def select(self, selector: str | None) -> AssemblyJob:
        """The job named by ``selector``: its construct path, a prefix of it, its logical id or its construct id.

        :raises AssemblyError: listing the jobs when none or several match, or when no selector is given and the
            assembly holds more than one job.
        """
        if not self.jobs:
            raise AssemblyError(f"{self.directory} holds no {TUNING_JOB_TYPE} resource")
        if selector is None:
            if len(self.jobs) == 1:
                return self.jobs[0]
            raise AssemblyError("choose a job with --job; the assembly holds:\n" + self.describe_jobs())
        wanted = selector.strip("/")
        for matches in (
            [j for j in self.jobs if j.path == wanted],
            [j for j in self.jobs if j.logical_id == wanted or f"{j.stack}/{j.logical_id}" == wanted],
            [j for j in self.jobs if j.path.startswith(wanted + "/")],
            [j for j in self.jobs if j.path.rsplit("/", 1)[-1] == wanted],
        ):
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                names = ", ".join(j.path for j in matches)
                raise AssemblyError(f"--job {selector!r} matches several jobs ({names}); give the construct path")
        raise AssemblyError(
            f"no tuning job {selector!r} in {self.directory}; the assembly holds:\n" + self.describe_jobs()
        )

    def describe_jobs(self) -> str:
        """One line per job: construct path, strategy, objective."""
        lines = []
        for job in self.jobs:
            config = job.request.get("HyperParameterTuningJobConfig", {})
            objective = config.get("HyperParameterTuningJobObjective", {})
            lines.append(
                f"  {job.path}  ({config.get('Strategy', '?')}, {objective.get('Type', '?')} "
                f"{objective.get('MetricName', '?')}; stack {job.stack}, logical id {job.logical_id})"
            )
        return "\n".join(lines)

    def program_source(self, job: AssemblyJob) -> ProgramSource:
        """Where the job's training program comes from: an asset folder, or an image URI (maybe a built-in one)."""
        definition = job.request.get("TrainingJobDefinition") or (job.request.get("TrainingJobDefinitions") or [{}])[0]
        image = definition.get("AlgorithmSpecification", {}).get("TrainingImage")
        resolved = self._resolve(image, job.parameters)
        text = json.dumps(resolved) if not isinstance(resolved, str) else resolved
        for digest in _ASSET_HASH.findall(text):
            if digest in self.docker_assets:
                return ProgramSource(kind="directory", directory=self.docker_assets[digest], uri=_render(resolved))
        uri = _render(resolved)
        if str(self._parameter_name(image, job.parameters) or "").endswith(PLATFORM_GPU_IMAGE_PARAMETER_SUFFIX):
            # A platform's (or team's) image named "gpu" is the packaged GPU training image, pushed to a repository
            # of the platform: the library's convention (ImportedHpoPlatform.training_image("gpu") reads its metric
            # definitions from the same folder).
            return ProgramSource(kind="directory", directory=PACKAGED_GPU_IMAGE_DIRECTORY, uri=uri)
        repository = uri.rsplit("/", 1)[-1].split(":", 1)[0].split("@", 1)[0] if uri else ""
        return ProgramSource(kind="image", uri=uri, builtin_algorithm=BUILTIN_REPOSITORIES.get(repository))

    @staticmethod
    def _parameter_name(value: Any, parameters: Mapping[str, Any]) -> str | None:
        """The SSM parameter name ``value`` refers to (``{"Ref": <SSM parameter>}``), if it is one."""
        if isinstance(value, dict) and set(value) == {"Ref"}:
            parameter = parameters.get(value["Ref"], {})
            if str(parameter.get("Type", "")).startswith("AWS::SSM::Parameter::Value"):
                return str(parameter.get("Default"))
        return None

    def _resolve(self, value: Any, parameters: Mapping[str, Any]) -> Any:
        """Follow ``{"Ref": <SSM parameter>}`` to the value the assembly's ``AWS::SSM::Parameter`` publishes."""
        if isinstance(value, dict) and set(value) == {"Ref"}:
            parameter = parameters.get(value["Ref"], {})
            if str(parameter.get("Type", "")).startswith("AWS::SSM::Parameter::Value"):
                name = parameter.get("Default")
                if name in self.ssm_parameters:
                    return self.ssm_parameters[name]
        return value


def _render(value: Any) -> str:
    """An expression as text: ``Fn::Sub`` strings as written, ``Fn::Join`` joined, references as ``${Name}``."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        (key, inner), *_ = value.items()
        if key == "Fn::Sub":
            return inner if isinstance(inner, str) else str(inner[0])
        if key == "Fn::Join":
            return str(inner[0]).join(_render(part) for part in inner[1])
        if key == "Ref":
            return "${" + str(inner) + "}"
    return "${" + json.dumps(value) + "}"


def job_path(metadata_path: str) -> str:
    """The construct path a user names: ``MlpHyperband/MlpTuning/Resource`` -> ``MlpHyperband/MlpTuning`` (and
    ``.../Resource/Default``, the path of an L2 resource's child)."""
    parts = metadata_path.strip("/").split("/")
    while len(parts) > 1 and parts[-1] in _INNER_IDS:
        parts.pop()
    return "/".join(parts)


def read_assembly(directory: Path) -> Assembly:
    """Read ``manifest.json`` and every stack's template and asset manifest under ``directory``."""
    manifest_file = directory / "manifest.json"
    try:
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise AssemblyError(f"{directory} is not a cloud assembly (run `make synth` or `cdk synth`): {err}") from None
    assembly = Assembly(directory=directory)
    for artifact_id, artifact in sorted(manifest.get("artifacts", {}).items()):
        kind = artifact.get("type")
        if kind == "cdk:asset-manifest":
            _read_asset_manifest(assembly, directory / artifact["properties"]["file"])
        elif kind == "aws:cloudformation:stack":
            template = json.loads((directory / artifact["properties"]["templateFile"]).read_text(encoding="utf-8"))
            _read_template(assembly, artifact_id, template, _logical_id_paths(directory, artifact))
        elif kind == "cdk:cloud-assembly":  # a nested assembly (a Stage)
            nested = read_assembly(directory / artifact["properties"]["directoryName"])
            assembly.jobs.extend(nested.jobs)
            assembly.ssm_parameters.update(nested.ssm_parameters)
            assembly.docker_assets.update(nested.docker_assets)
    return assembly


def _read_asset_manifest(assembly: Assembly, path: Path) -> None:
    assets = json.loads(path.read_text(encoding="utf-8"))
    for digest, image in assets.get("dockerImages", {}).items():
        folder = image.get("source", {}).get("directory")
        if folder:
            assembly.docker_assets[digest] = (path.parent / folder).resolve()


def _logical_id_paths(directory: Path, artifact: Mapping[str, Any]) -> dict[str, str]:
    """Logical id -> construct path from the stack's metadata (inline, or its ``additionalMetadataFile``).

    Templates carry ``aws:cdk:path`` only when path metadata is on (the CDK CLI turns it on); the stack's metadata
    names every resource's construct path either way.
    """
    metadata: dict[str, Any] = dict(artifact.get("metadata") or {})
    extra = artifact.get("additionalMetadataFile")
    if extra:
        try:
            metadata.update(json.loads((directory / extra).read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError):
            pass
    paths: dict[str, str] = {}
    for path, entries in metadata.items():
        for entry in entries if isinstance(entries, list) else []:
            if (
                isinstance(entry, dict)
                and entry.get("type") == "aws:cdk:logicalId"
                and isinstance(entry.get("data"), str)
            ):
                paths[entry["data"]] = path.strip("/")
    return paths


def _read_template(assembly: Assembly, stack: str, template: Mapping[str, Any], paths: Mapping[str, str]) -> None:
    parameters = template.get("Parameters", {})
    for logical_id, resource in template.get("Resources", {}).items():
        kind = resource.get("Type")
        properties = resource.get("Properties", {})
        if kind == TUNING_JOB_TYPE:
            written = resource.get("Metadata", {}).get("aws:cdk:path") or paths.get(logical_id, f"{stack}/{logical_id}")
            path = job_path(written)
            assembly.jobs.append(AssemblyJob(path, stack, logical_id, properties.get("Request", {}), parameters))
        elif kind == "AWS::SSM::Parameter" and isinstance(properties.get("Name"), str):
            assembly.ssm_parameters[properties["Name"]] = properties.get("Value")


def synthesize_app(project: Path, outdir: Path, context: Mapping[str, str] | None = None) -> Path:
    """Run the app of ``project/cdk.json`` the way the CDK CLI does (``CDK_OUTDIR``, ``CDK_CONTEXT_JSON``).

    Only the app's own process loads ``aws_cdk``; the dry run reads the files it writes.

    :param project: the folder holding ``cdk.json``.
    :param outdir: where the assembly is written.
    :param context: extra context values (``-c key=value`` of the CLI). Default: none.
    """
    try:
        settings = json.loads((project / "cdk.json").read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise AssemblyError(f"cannot read {project / 'cdk.json'}: {err}") from None
    command = settings.get("app")
    if not command:
        raise AssemblyError(f"{project / 'cdk.json'} has no 'app' command")
    outdir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "CDK_OUTDIR": str(outdir.resolve()),
        "CDK_CONTEXT_JSON": json.dumps({**settings.get("context", {}), **(context or {})}),
        "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": os.environ.get(
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20"
        ),
    }
    # As the CDK CLI does: the command runs in a shell, in the folder of cdk.json.
    proc = subprocess.run(command, shell=True, cwd=project, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise AssemblyError(f"synthesizing the app ({command}) failed:\n{proc.stderr[-4000:]}")
    return outdir
