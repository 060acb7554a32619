#pragma once
// The JSON files n2v writes (graph_stats.json, bench.json, evaluation.json) and the ONNX vocabulary
// metadata, built with nlohmann::json. ordered_json keeps the keys in the order they are set, so the
// files read in the order of their sections.
#include <nlohmann/json.hpp>

#include <string>

namespace n2v {

using Json = nlohmann::ordered_json;

// `value` as format_double writes it: a whole number as an integer (68, not 68.0), otherwise the
// shortest text that reads back the same; null for NaN, which JSON lacks.
Json json_number(double value);
// `value` rounded to `digits` decimals, so a file reads 0.706214 rather than 0.70621438512;
// then as json_number.
Json json_rounded(double value, int digits);

// The text of `value`: indented by 2 with a final newline (a file), or on one line for indent -1.
// Bytes that are not UTF-8 (a path, a node name) become U+FFFD rather than failing the whole file.
std::string json_text(const Json& value, int indent = 2);

}  // namespace n2v
