"""Emulator plugin: IAM authorization where moto does not do it.

moto stores roles and policies but, in-process, authorizes nothing: ``sts.assume_role`` succeeds
whatever the trust policy says, and temporary credentials can do anything. moto's own access
control (``INITIAL_NO_AUTH_ACTION_COUNT``) is a process-wide switch, which would also check the
kit's internal calls signed with fake keys, and it evaluates every CloudWatch Logs call against
resource ``*``, so the quick start's ``arn:aws:logs:*:*:*`` would never match. This plugin instead
uses :mod:`labkit.aws.iam_evaluation` (identity-based policies; explicit deny > allow > implicit deny):

* answers ``iam.simulate_principal_policy`` and ``iam.simulate_custom_policy`` (moto lacks both;
  "Testing IAM policies with the IAM policy simulator",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_testing-policies.html);
* checks ``sts.assume_role`` against the role's trust policy and answers ``AccessDenied`` with
  AWS's wording when the caller is not trusted ("AssumeRole",
  https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html: the role's trust
  policy must allow the caller);
* gives :meth:`labkit.runtime.lab.Lab.client_as` the credentials a service such as EC2 gets by assuming a
  role, refusing like the instance metadata's ``iam/info`` (``AssumeRoleUnauthorizedAccess``,
  "Troubleshoot IAM and Amazon EC2", https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_iam-ec2.html)
  when the trust policy does not name the service, and authorizes every call of that client
  against the role's policies, answering AWS's access-denied error.

Guesses, said plainly: with several ``ResourceArns`` the simulator here returns one result per
action *and* resource (AWS nests per-resource results under one result per action); services
other than CloudWatch Logs are authorized against resource ``*``; error codes for services other
than Logs, EC2 and SNS are ``AccessDenied``.

Taught in notebook 03-iam-role-for-logs-agent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from labkit.aws import iam_evaluation, iam_policies
from labkit.emulator.core import Call, Emulator, error_reply
from labkit.exceptions import InstanceRoleError, ServiceError

if TYPE_CHECKING:
    from labkit.runtime.lab import Lab

#: The access-denied error code each service answers with (CloudWatch Logs and EC2 "Common
#: errors" pages of their API references; SNS AuthorizationError). Others: AccessDenied.
DENIED_CODES = {"logs": "AccessDeniedException", "ec2": "UnauthorizedOperation", "sns": "AuthorizationError"}

PolicyList = list[tuple[str, Any, str]]


def role_name(arn: str) -> str:
    """``arn:aws:iam::<account>:role/<path>/<name>`` → ``<name>``."""
    return arn.rsplit("/", 1)[-1]


class IamPolicies:
    """The plugin's state: assumed-role credentials handed out, per role, service principal and session."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self._credentials: dict[tuple[str, str, str], dict[str, str]] = {}

    # -- reading what IAM holds -----------------------------------------------------------------
    def policies_of(self, principal_arn: str) -> PolicyList:
        """Identity-based policies of a role or user: ``(policy id, document, SourcePolicyType)``."""
        client = self.lab.internal_client("iam")
        name = role_name(principal_arn)
        found: PolicyList = []
        if ":role/" in principal_arn:
            for policy in client.list_role_policies(RoleName=name)["PolicyNames"]:
                found.append(
                    (policy, client.get_role_policy(RoleName=name, PolicyName=policy)["PolicyDocument"], "role")
                )
            attached = client.list_attached_role_policies(RoleName=name)["AttachedPolicies"]
        elif ":user/" in principal_arn:
            for policy in client.list_user_policies(UserName=name)["PolicyNames"]:
                found.append(
                    (policy, client.get_user_policy(UserName=name, PolicyName=policy)["PolicyDocument"], "user")
                )
            attached = client.list_attached_user_policies(UserName=name)["AttachedPolicies"]
        else:
            raise ServiceError("InvalidInput", f"Invalid ARN: Could not be parsed! {principal_arn}")
        for policy in attached:
            arn = policy["PolicyArn"]
            version = client.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
            document = client.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
            found.append((policy["PolicyName"], document, "aws-managed" if ":aws:policy/" in arn else "user-managed"))
        return found

    def trust_policy_of(self, role_arn: str) -> Any:
        client = self.lab.internal_client("iam")
        try:
            return client.get_role(RoleName=role_name(role_arn))["Role"]["AssumeRolePolicyDocument"]
        except client.exceptions.NoSuchEntityException:
            return None

    # -- credentials for a service acting as the role ---------------------------------------------
    def credentials_for(self, role_arn: str, service_principal: str, session_name: str) -> dict[str, str]:
        """Temporary credentials ``service_principal`` gets for ``role_arn`` (checked against the trust policy)."""
        trust = self.trust_policy_of(role_arn)
        who = iam_evaluation.Principal("Service", service_principal)
        if trust is None or not iam_evaluation.trust_allows(trust, who):
            service = service_principal.split(".", 1)[0].upper()
            raise InstanceRoleError(
                "AssumeRoleUnauthorizedAccess",
                f"{service} cannot assume the role {role_name(role_arn)}: its trust policy does not allow "
                f"{service_principal} to perform sts:AssumeRole",
            )
        key = (role_arn, service_principal, session_name)
        if key not in self._credentials:
            reply = self.lab.internal_client("sts").assume_role(RoleArn=role_arn, RoleSessionName=session_name)
            self._credentials[key] = {**reply["Credentials"], "Arn": reply["AssumedRoleUser"]["Arn"]}
        return self._credentials[key]

    def enforce(self, client: Any, service: str, role_arn: str, session_arn: str) -> None:
        """Authorize each call ``client`` makes against ``role_arn``'s policies before it is sent."""
        events = client.meta.events
        service_id = client.meta.service_model.service_id.hyphenize()
        region = client.meta.region_name

        def remember(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
            context["labkit_iam_params"] = dict(params)

        def authorize(model: Any, context: dict[str, Any], **_: Any) -> Any:
            action = iam_policies.action_name(service, model.name)
            resource = iam_policies.request_resource(
                service, model.name, context.get("labkit_iam_params", {}), region, self.lab.account_id
            )
            policies = [(policy_id, document) for policy_id, document, _ in self.policies_of(role_arn)]
            decision = iam_evaluation.evaluate(policies, action, resource)
            if decision.allowed:
                return
            code = DENIED_CODES.get(service, "AccessDenied")
            message = iam_policies.access_denied_message(session_arn, action, resource, decision.decision)
            # Answered, not raised, so that after-call hooks (CloudTrail) see the refused call.
            return error_reply(code, message)

        events.register(f"before-parameter-build.{service_id}", remember, unique_id="labkit-iam-remember")
        events.register_first(f"before-call.{service_id}", authorize, unique_id="labkit-iam-authorize")

    # -- the simulator ------------------------------------------------------------------------------
    def simulate(self, policies: PolicyList, params: dict[str, Any]) -> dict[str, Any]:
        """An ``EvaluationResults`` reply for ``ActionNames`` × ``ResourceArns`` (default ``*``)."""
        evaluated = [(policy_id, document) for policy_id, document, _ in policies]
        types = {policy_id: kind for policy_id, _, kind in policies}
        results = []
        for action in params["ActionNames"]:
            for resource in params.get("ResourceArns") or ["*"]:
                decision = iam_evaluation.evaluate(evaluated, action, resource)
                matched = [
                    {
                        "SourcePolicyId": policy_id,
                        **({"SourcePolicyType": types[policy_id]} if types[policy_id] else {}),
                    }
                    for policy_id in decision.matched
                ]
                results.append(
                    {
                        "EvalActionName": action,
                        "EvalResourceName": resource,
                        "EvalDecision": decision.decision,
                        "MatchedStatements": matched,
                        "MissingContextValues": [],
                    }
                )
        return {"EvaluationResults": results, "IsTruncated": False}


def _inputs(params: dict[str, Any]) -> PolicyList:
    return [(f"PolicyInputList.{n}", text, "") for n, text in enumerate(params.get("PolicyInputList", []), start=1)]


def install(emulator: Emulator) -> IamPolicies:
    """Register the simulator answers and the AssumeRole trust check."""
    state = IamPolicies(emulator.lab)

    @emulator.answers("iam", "SimulatePrincipalPolicy")
    def simulate_principal_policy(call: Call) -> dict[str, Any]:
        arn = call.params["PolicySourceArn"]
        try:
            policies = state.policies_of(arn)
        except call.internal("iam").exceptions.NoSuchEntityException:
            raise ServiceError("NoSuchEntity", f"The principal {arn} does not exist", 404) from None
        return state.simulate(policies + _inputs(call.params), call.params)

    @emulator.answers("iam", "SimulateCustomPolicy")
    def simulate_custom_policy(call: Call) -> dict[str, Any]:
        return state.simulate(_inputs(call.params), call.params)

    @emulator.answers("sts", "AssumeRole")
    def assume_role(call: Call) -> None:
        role_arn = call.params["RoleArn"]
        caller = call.internal("sts").get_caller_identity()
        who = iam_evaluation.Principal("AWS", caller["Arn"], caller["Account"])
        trust = state.trust_policy_of(role_arn)
        if trust is None or not iam_evaluation.trust_allows(trust, who):
            # AWS answers the same for a missing role and an untrusting one.
            raise ServiceError(
                "AccessDenied",
                f"User: {caller['Arn']} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
                403,
            )
        return None

    return state
