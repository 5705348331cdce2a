"""``ImportedHpoPlatform``: an ``HpoPlatform`` (or one of its teams) deployed elsewhere, read from its SSM parameters.

``HpoPlatform.from_parameters(scope, id, name=..., team=...)`` creates one; the parameters it reads are those of
``parameter_schema`` marked as imported.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from aws_cdk import Stack, Token
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from . import parameter_schema as schema
from ._imported import register_platform_import
from ._namespace import DEFAULT_PLATFORM_NAME, GPU_IMAGE_NAME, check_image_name, resolve_namespace
from .buckets import CHECKPOINT_PREFIX, OUTPUT_PREFIX, BucketHelpers
from .grants import RoleGrants, register_imported_role
from .guardrail_checks import guard_provider, register_drift_check
from .guardrails import Guardrails
from .image import TrainingImage
from .objective import MetricDefinition
from .provider import ImportedTuningJobProvider
from .rules import run_rules
from .rules.platform import PublishedGuardrails
from .team import check_team_name, team_job_prefix, team_namespace, team_root


class ImportedHpoPlatform(Construct, BucketHelpers):
    """An ``HpoPlatform`` (or one of its teams) deployed elsewhere, read from its SSM parameters at deploy time.

    Use :attr:`training_role` as the training definition's role, :attr:`provider` as the tuning job's provider (a
    job of this stack without ``provider=`` is a synth error) and the bucket helpers (``data_input``,
    ``output_location``, ``checkpoint_location``; a team's stay inside the team's prefixes) for its S3 values. The
    role is imported immutable: the platform already granted it what its jobs need, and an input, output, image, key
    or VPC it was not granted is a synth error naming what is missing and how to get it.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        name: str = DEFAULT_PLATFORM_NAME,
        namespace: str | None = None,
        team: str | None = None,
        guardrails: Guardrails | None = None,
        vpc: ec2.IVpc | None = None,
    ) -> None:
        """Define a ``ImportedHpoPlatform``.

        :param scope: the construct to define it in.
        :param construct_id: its id, unique within ``scope``.
        :param name: the platform's ``name``. Default: ``"default"``.
        :param namespace: the platform's namespace (overrides ``name``). Default: ``/sagemaker-hpo/<name>/``.
        :param team: the team to import. Default: the platform itself.
        :param guardrails: the guardrails to check this stack's jobs against at synth time. Default: none.
        :param vpc: the platform's VPC. Default: none.
        """
        super().__init__(scope, construct_id)
        self._helper_path = self.node.path
        #: The SSM parameter path the platform published under.
        self.namespace = resolve_namespace(self.node.path, name, namespace)
        #: The team imported, if any.
        self.team = team
        #: The platform's VPC, when declared.
        self.vpc = vpc
        if team is not None:
            check_team_name(self.node.path, team)
            self._data_root = team_root(team)
            self._artifacts_root = team_root(team)
        #: Where the team's (or the platform's) own parameters are.
        self.own_namespace = self.namespace if team is None else team_namespace(self.namespace, team)
        stack = Stack.of(self)
        register_platform_import(stack, self.node.path)
        #: The KMS key of the data and artifacts buckets.
        self.key: kms.IKey = kms.Key.from_key_arn(self, "Key", self._read(schema.KEY_ARN))
        #: The platform's (or team's) training role (immutable).
        self.training_role: iam.IRole = iam.Role.from_role_arn(
            self, "TrainingRole", self._read(schema.ROLE_ARN), mutable=False
        )
        #: The platform's (or team's) tuning-job provider.
        self.provider = ImportedTuningJobProvider(
            service_token=self._read(schema.PROVIDER_SERVICE_TOKEN),
            name_prefix=self._read(schema.NAME_PREFIX),
            team=team,
            name_prefix_parameter=self._name_of(schema.NAME_PREFIX),
            # A team's prefix follows from the platform's namespace and the team's name (``Team.name_prefix``).
            known_name_prefix=None if team is None else team_job_prefix(self.namespace, team),
        )
        owner = f"the platform {self.namespace}" if team is None else f"team {team!r} of the platform {self.namespace}"
        fix = (
            "Use the platform's values (platform.data_input, output_location, checkpoint_location, "
            "training_image, key) or grant it on the platform ("
            + (
                "the platform's role"
                if team is None
                else f"HpoPlatform.add_team({team!r}, repositories=..., images=...)"
            )
            + ") and redeploy it"
        )
        register_imported_role(
            self.training_role,
            RoleGrants(
                owner=owner,
                fix=fix,
                # Read the buckets' names (SSM parameters) only when a job binds a location to check against them.
                reads=lambda: [(self.data_bucket.bucket_name, self._data_root)],
                writes=lambda: [
                    (self.artifacts_bucket.bucket_name, f"{OUTPUT_PREFIX}{self._artifacts_root}"),
                    (self.artifacts_bucket.bucket_name, f"{CHECKPOINT_PREFIX}{self._artifacts_root}"),
                ],
                key_arns=[self.key.key_arn],
                volume_key_arns=lambda: [] if self.volume_key is None else [self.volume_key.key_arn],
                vpcs=[] if vpc is None else [vpc],
                team=team,
            ),
        )
        if guardrails is None:
            guardrails = self._looked_up_guardrails(stack)
        #: The guardrails this stack's jobs are checked against at synth time, if any.
        self.guardrails = guardrails
        if guardrails is not None:
            guardrails._validate(self.node.path)
            guard_provider(
                self,
                self.provider.service_token,
                guardrails,
                subnet_ids=[] if vpc is None else list(vpc.select_subnets().subnet_ids),
                key_arn=self.key.key_arn,
                volume_key_arn=(
                    self.volume_key.key_arn if guardrails.require_kms and self.volume_key is not None else None
                ),
            )
        register_drift_check(
            self,
            self.provider.service_token,
            parameter_name=self._name_of(schema.GUARDRAILS_DIGEST),
            checked=guardrails,
            owner=owner,
        )

    def _looked_up_guardrails(self, stack: Stack) -> Guardrails | None:
        """The published guardrails, by context lookup, in a stack with a concrete account and region."""
        if Token.is_unresolved(stack.account) or Token.is_unresolved(stack.region):
            return None
        name = self._name_of(schema.GUARDRAILS)
        value = ssm.StringParameter.value_from_lookup(self, name, "{}")
        if value.startswith("dummy-value-for-"):
            return None  # the CDK CLI looks the value up and synthesizes again
        run_rules(PublishedGuardrails(name, value), path=self.node.path, scope=self)  # HPO-PLATFORM-011
        data = json.loads(value)
        return Guardrails.from_json(data) if data else None

    @property
    def volume_key(self) -> kms.IKey | None:
        """A team's own KMS key for its training volumes (``None`` for the platform itself, whose role has none);
        imported on first use only."""
        if self.team is None:
            return None
        existing = self.node.try_find_child("VolumeKey")
        if existing is not None:
            return existing  # type: ignore[return-value]
        return kms.Key.from_key_arn(self, "VolumeKey", self._read(schema.TEAM_VOLUME_KEY_ARN))

    @property
    def data_bucket(self) -> s3.IBucket:  # type: ignore[override]
        """The training data bucket (with :attr:`key` attached); imported on first use only."""
        return self._imported_bucket("DataBucket", schema.DATA_BUCKET)

    @property
    def artifacts_bucket(self) -> s3.IBucket:  # type: ignore[override]
        """The model output and checkpoint bucket (with :attr:`key` attached); imported on first use only."""
        return self._imported_bucket("ArtifactsBucket", schema.ARTIFACTS_BUCKET)

    def _imported_bucket(self, construct_id: str, parameter: schema.Parameter) -> s3.IBucket:
        existing = self.node.try_find_child(construct_id)
        if existing is not None:
            return existing  # type: ignore[return-value]
        return s3.Bucket.from_bucket_attributes(
            self, construct_id, bucket_name=self._read(parameter), encryption_key=self.key
        )

    def parameter_name(self, key: str) -> str:
        """The full SSM parameter name of ``key`` (e.g. ``training-role-arn``)."""
        return f"{self.namespace}{key}"

    def _name_of(self, parameter: schema.Parameter, **fields: str) -> str:
        """The full name of ``parameter``: under the platform's namespace or the imported one, as the schema says."""
        shared = parameter.imported_from is schema.ImportedFrom.PLATFORM
        return parameter.name_in(self.namespace if shared else self.own_namespace, **fields)

    def _read(self, parameter: schema.Parameter, **fields: str) -> str:
        """The deploy-time value of ``parameter`` (an SSM dynamic reference)."""
        if not parameter.imported:  # a programming error (the schema constants the importer passes), not user input
            raise ValueError(f"the parameter {parameter.key!r} is not one the importer reads (parameter_schema)")
        return ssm.StringParameter.value_for_string_parameter(self, self._name_of(parameter, **fields))

    def image_uri(self, name: str) -> str:
        """The URI of the platform's (or team's) image ``name`` (a deploy-time value)."""
        check_image_name(self.node.path, name)
        return self._read(schema.IMAGE_URI, name=name)

    def training_image(
        self, name: str, *, metric_definitions: Sequence[MetricDefinition] | None = None
    ) -> TrainingImage:
        """The platform's (or team's) image ``name`` as a ``TrainingImage`` (the role may pull it).

        :param name: the image's name in the platform, e.g. ``"gpu"``.
        :param metric_definitions: the metric definitions its program prints for. Default: for ``"gpu"``, the
            packaged GPU image's definitions; otherwise none (pass them in the training definition).
        """
        samples: tuple[str, ...] = ()
        if metric_definitions is None:
            metric_definitions = ()
            if name == GPU_IMAGE_NAME:
                from .gpu_image import load_metric_definitions, load_sample_log_lines

                metric_definitions = load_metric_definitions()
                samples = load_sample_log_lines()
        return TrainingImage._platform_image(self.image_uri(name), metric_definitions, sample_log_lines=samples)
