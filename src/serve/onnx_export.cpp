#include "serve/onnx_export.h"

#include <onnx/onnx_pb.h>

#include <climits>
#include <limits>

#include "core/paths.h"
#include "core/atomic_file.h"
#include "core/errors.h"
#include "core/json.h"
#include "serve/embedding_files.h"

namespace n2v {

bool onnx_export_available() { return true; }

namespace {

// raw_data is little-endian by the ONNX spec; the matrix is copied as it lies in memory.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the ONNX writer assumes a little-endian host");

// IR version 7 is the one that goes with opset 13 (ONNX 1.8), so older runtimes read the files too.
constexpr std::int64_t kIrVersion = 7;

using onnx::AttributeProto;
using onnx::TensorProto;

void check_vocabulary(const std::vector<float>& embeddings, std::int64_t dim, const Vocabulary& vocabulary) {
  check_embedding_shape(embeddings, dim, vocabulary);
  if (vocabulary.size() < 2)
    throw Error("cannot export ONNX: the vocabulary has no token besides the reserved token 0");
}

onnx::ModelProto new_model(const std::string& function, const std::string& doc, std::int64_t dim,
                           const Vocabulary& vocabulary) {
  onnx::ModelProto model;
  model.set_ir_version(kIrVersion);
  auto* opset = model.add_opset_import();
  opset->set_domain("");
  opset->set_version(kOnnxOpset);
  model.set_producer_name("n2v");
  model.set_producer_version(N2V_VERSION);
  model.set_model_version(kOnnxFormatVersion);
  model.set_doc_string(doc);
  auto put = [&](const std::string& key, const std::string& value) {
    auto* prop = model.add_metadata_props();
    prop->set_key(key);
    prop->set_value(value);
  };
  put("n2v_format_version", std::to_string(kOnnxFormatVersion));
  put("n2v_version", N2V_VERSION);
  put("n2v_function", function);
  put("vocabulary_size", std::to_string(vocabulary.size()));
  put("embedding_dim", std::to_string(dim));
  put("vocabulary_file", "vocabulary.tsv");
  put("names", json_text(vocabulary.names, -1));
  put("movie_ids", json_text(vocabulary.movie_ids, -1));
  put("titles", json_text(vocabulary.titles, -1));
  put("genres", json_text(vocabulary.genres, -1));
  model.mutable_graph()->set_name("n2v_" + function);
  model.mutable_graph()->set_doc_string(doc);
  return model;
}

void add_embedding(onnx::GraphProto& graph, const std::vector<float>& embeddings, std::int64_t dim,
                   const Vocabulary& vocabulary) {
  TensorProto* weight = graph.add_initializer();
  weight->set_name("embedding");
  weight->set_data_type(TensorProto::FLOAT);
  weight->add_dims(static_cast<std::int64_t>(vocabulary.size()));
  weight->add_dims(dim);
  weight->set_raw_data(embeddings.data(), embeddings.size() * sizeof(float));
}

TensorProto* add_constant(onnx::GraphProto& graph, const std::string& name, int type, std::vector<std::int64_t> dims) {
  TensorProto* t = graph.add_initializer();
  t->set_name(name);
  t->set_data_type(type);
  for (std::int64_t d : dims) t->add_dims(d);
  return t;
}

// A tensor type with named (symbolic) or fixed dimensions.
void add_value(google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>* list, const std::string& name, int type,
               const std::vector<std::string>& dims, const std::string& doc) {
  onnx::ValueInfoProto* value = list->Add();
  value->set_name(name);
  value->set_doc_string(doc);
  auto* tensor = value->mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(type);
  for (const std::string& d : dims) {
    auto* dim = tensor->mutable_shape()->add_dim();
    if (!d.empty() && d.find_first_not_of("0123456789") == std::string::npos)
      dim->set_dim_value(std::stoll(d));
    else
      dim->set_dim_param(d);
  }
}

onnx::NodeProto* add_node(onnx::GraphProto& graph, const std::string& op, const std::vector<std::string>& inputs,
                          const std::vector<std::string>& outputs) {
  onnx::NodeProto* node = graph.add_node();
  node->set_op_type(op);
  node->set_name(outputs.front());
  for (const auto& in : inputs) node->add_input(in);
  for (const auto& out : outputs) node->add_output(out);
  return node;
}

void set_int(onnx::NodeProto* node, const std::string& name, std::int64_t value) {
  AttributeProto* a = node->add_attribute();
  a->set_name(name);
  a->set_type(AttributeProto::INT);
  a->set_i(value);
}

void set_ints(onnx::NodeProto* node, const std::string& name, const std::vector<std::int64_t>& values) {
  AttributeProto* a = node->add_attribute();
  a->set_name(name);
  a->set_type(AttributeProto::INTS);
  for (std::int64_t v : values) a->add_ints(v);
}

std::string serialize(const onnx::ModelProto& model, const char* file) {
  // Protobuf cannot write a message over 2 GiB; ONNX's external-data layout would be needed.
  if (model.ByteSizeLong() > static_cast<std::size_t>(INT_MAX))
    throw OutputError(std::string("cannot write ") + file + ": the model is " + std::to_string(model.ByteSizeLong()) +
                      " bytes, over protobuf's 2 GiB limit for one ONNX file; lower train.embedding_dim");
  std::string bytes;
  if (!model.SerializeToString(&bytes)) throw OutputError(std::string("cannot serialize ") + file);
  return bytes;
}

}  // namespace

std::string onnx_logits_model(const std::vector<float>& embeddings, std::int64_t dim, const Vocabulary& vocabulary) {
  check_vocabulary(embeddings, dim, vocabulary);
  onnx::ModelProto model = new_model(
      "logits", "n2v skip-gram logits: logits[i] = embedding[target[i]] . embedding[context[i]] (model.pt's forward)",
      dim, vocabulary);
  onnx::GraphProto& g = *model.mutable_graph();
  add_embedding(g, embeddings, dim, vocabulary);
  add_constant(g, "last_axis", TensorProto::INT64, {1})->add_int64_data(-1);
  add_value(g.mutable_input(), "target", TensorProto::INT64, {"N"}, "target tokens, 0 to vocabulary size - 1");
  add_value(g.mutable_input(), "context", TensorProto::INT64, {"N"}, "context tokens, same length as target");
  add_value(g.mutable_output(), "logits", TensorProto::FLOAT, {"N"}, "dot products of the two embedding rows");
  add_node(g, "Gather", {"embedding", "target"}, {"target_rows"});
  add_node(g, "Gather", {"embedding", "context"}, {"context_rows"});
  add_node(g, "Mul", {"target_rows", "context_rows"}, {"products"});
  set_int(add_node(g, "ReduceSum", {"products", "last_axis"}, {"logits"}), "keepdims", 0);
  return serialize(model, kOnnxLogitsFile);
}

std::string onnx_similar_model(const std::vector<float>& embeddings, std::int64_t dim, const Vocabulary& vocabulary) {
  check_vocabulary(embeddings, dim, vocabulary);
  onnx::ModelProto model = new_model(
      "similar",
      "n2v cosine top-k (model.pt's similar): for each query token the k most similar tokens and their cosine "
      "similarity, best first; token 0 is never returned and the query itself normally comes first with score 1",
      dim, vocabulary);
  onnx::GraphProto& g = *model.mutable_graph();
  const auto rows = static_cast<std::int64_t>(vocabulary.size());
  add_embedding(g, embeddings, dim, vocabulary);
  // The normalisation depends on initializers only, so runtimes fold it once at load time.
  add_constant(g, "epsilon", TensorProto::FLOAT, {})->add_float_data(1e-12f);
  TensorProto* mask = add_constant(g, "reserved_mask", TensorProto::FLOAT, {rows});
  mask->add_float_data(-std::numeric_limits<float>::infinity());
  for (std::int64_t t = 1; t < rows; ++t) mask->add_float_data(0.0f);
  add_value(g.mutable_input(), "tokens", TensorProto::INT64, {"Q"}, "query tokens, 1 to vocabulary size - 1");
  add_value(g.mutable_input(), "k", TensorProto::INT64, {"1"}, "how many neighbours, 1 to vocabulary size - 1");
  add_value(g.mutable_output(), "scores", TensorProto::FLOAT, {"Q", "k"}, "cosine similarities, best first");
  add_value(g.mutable_output(), "neighbors", TensorProto::INT64, {"Q", "k"}, "tokens of the neighbours");
  set_ints(add_node(g, "ReduceL2", {"embedding"}, {"norms"}), "axes", {1});  // keepdims defaults to 1
  add_node(g, "Max", {"norms", "epsilon"}, {"safe_norms"});  // torch's clamp_min(1e-12)
  add_node(g, "Div", {"embedding", "safe_norms"}, {"unit"});
  add_node(g, "Gather", {"unit", "tokens"}, {"query_rows"});
  set_int(add_node(g, "Gemm", {"query_rows", "unit"}, {"cosine"}), "transB", 1);
  add_node(g, "Add", {"cosine", "reserved_mask"}, {"candidates"});
  set_int(add_node(g, "TopK", {"candidates", "k"}, {"scores", "neighbors"}), "axis", -1);
  return serialize(model, kOnnxSimilarFile);
}

void write_onnx_models(const std::vector<float>& embeddings, std::int64_t dim, const Vocabulary& vocabulary,
                       const std::filesystem::path& out_dir) {
  // Everything that can fail is checked before the first file is replaced, so a bad input never
  // leaves one new file beside an old one.
  const std::string logits = onnx_logits_model(embeddings, dim, vocabulary);
  const std::string similar = onnx_similar_model(embeddings, dim, vocabulary);
  const auto logits_path = out_dir / kOnnxLogitsFile;
  const auto similar_path = out_dir / kOnnxSimilarFile;
  for (const auto& path : {logits_path, similar_path})
    if (is_folder(path))
      throw OutputError("cannot write " + path.string() + ": a folder of that name exists; remove it");
  AtomicFile logits_file(logits_path, /*binary=*/true);
  AtomicFile similar_file(similar_path, /*binary=*/true);
  logits_file.stream().write(logits.data(), static_cast<std::streamsize>(logits.size()));
  similar_file.stream().write(similar.data(), static_cast<std::streamsize>(similar.size()));
  logits_file.commit();
  similar_file.commit();
}

}  // namespace n2v
