// Evaluates a batch of IAM simulations with @cloud-copilot/iam-simulate (the service authorization reference ships
// with it). Input on stdin: a JSON array of Simulation objects (see the package's README). Output on stdout: a JSON
// array, one entry per simulation, in order: {"decision": "Allowed" | "ExplicitlyDenied" | "ImplicitlyDenied"} or
// {"error": "<message>", "details": {...}} when the simulation input is invalid (unknown action, context key the
// action does not have, malformed policy). One process evaluates the whole batch: tests/iam_evaluator.py drives it.
import { runSimulation } from '@cloud-copilot/iam-simulate'

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
    results.push({ decision: response.overallResult, ignoredContextKeys: ignored })
  }
}
process.stdout.write(JSON.stringify(results))
