#!/usr/bin/env node
// Runs n2v's ONNX models in ONNX Runtime (onnxruntime-node) and prints the answers as JSON, so the
// test suite can compare them with LibTorch's on the same inputs.
//
//   node check.js MODEL_DIR REQUEST.json
//
// REQUEST.json: {"logits": {"target": [..], "context": [..]}, "similar": {"tokens": [..], "k": 3}}
// (either part may be left out). Output: {"onnxruntime": version, "logits": [..],
// "similar": {"scores": [[..]], "neighbors": [[..]]}, "inputs": {file: [input names]}}.
// Exit code 1 with a message on stderr when a model cannot be loaded or run.
"use strict";
const fs = require("fs");
const path = require("path");
const ort = require("onnxruntime-node");

const int64 = (values, dims) => new ort.Tensor("int64", BigInt64Array.from(values.map(BigInt)), dims);

// ONNX Runtime returns flat buffers; the test wants one row per query.
function rows(tensor) {
  const [count, width] = tensor.dims;
  const values = Array.from(tensor.data, Number);
  return Array.from({ length: count }, (_, r) => values.slice(r * width, (r + 1) * width));
}

async function main() {
  const [modelDir, requestFile] = process.argv.slice(2);
  if (!modelDir || !requestFile) throw new Error("usage: node check.js MODEL_DIR REQUEST.json");
  const request = JSON.parse(fs.readFileSync(requestFile, "utf8"));
  const answer = { onnxruntime: ort.env.versions.node, inputs: {} };

  if (request.logits) {
    const session = await ort.InferenceSession.create(path.join(modelDir, "model.logits.onnx"));
    answer.inputs["model.logits.onnx"] = session.inputNames;
    const { target, context } = request.logits;
    const { logits } = await session.run({ target: int64(target, [target.length]), context: int64(context, [context.length]) });
    answer.logits = Array.from(logits.data);
  }
  if (request.similar) {
    const session = await ort.InferenceSession.create(path.join(modelDir, "model.similar.onnx"));
    answer.inputs["model.similar.onnx"] = session.inputNames;
    const { tokens, k } = request.similar;
    const { scores, neighbors } = await session.run({ tokens: int64(tokens, [tokens.length]), k: int64([k], [1]) });
    answer.similar = { scores: rows(scores), neighbors: rows(neighbors) };
  }
  process.stdout.write(JSON.stringify(answer) + "\n");
}

main().catch((error) => {
  process.stderr.write(`onnx-check: ${error.message}\n`);
  process.exit(1);
});
