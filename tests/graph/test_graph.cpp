// CsrGraph: building from an edge list, the neighbour lists and the edge look-ups.
#include "graph/graph.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace n2v {
namespace {

using testing::expect_csr_invariants;

TEST(CsrGraph, FromEdgesSortsAndMirrors) {
  std::vector<Edge> edges{{3, 1, 2.0f}, {1, 2, 1.0f}, {2, 3, 0.5f}};
  CsrGraph g = CsrGraph::from_edges(4, edges, false);
  expect_csr_invariants(g);
  EXPECT_EQ(g.num_edges(), 3u);
  EXPECT_EQ(g.degree(0), 0u);
  EXPECT_EQ(g.degree(1), 2u);
  EXPECT_EQ(g.neighbors(1)[0], 2u);
  EXPECT_EQ(g.neighbors(1)[1], 3u);
  EXPECT_FLOAT_EQ(g.weights(1)[1], 2.0f);
  EXPECT_TRUE(g.has_edge(3, 2));
  CsrGraph d = CsrGraph::from_edges(4, edges, true);
  EXPECT_EQ(d.num_edges(), 3u);
  EXPECT_TRUE(d.has_edge(3, 1));
  EXPECT_FALSE(d.has_edge(1, 3));
}

// Weights follow their neighbour through the per-node sort; a missing edge weighs 0.
TEST(CsrGraph, WeightLooksUpTheSortedNeighbourList) {
  std::vector<Edge> edges{{1, 5, 0.5f}, {1, 3, 3.0f}, {1, 4, 4.0f}, {2, 1, 2.0f}};
  CsrGraph g = CsrGraph::from_edges(6, edges, false);
  expect_csr_invariants(g);
  EXPECT_EQ(g.num_nodes(), 6u);
  EXPECT_EQ(g.num_arcs(), 8u);
  ASSERT_EQ(g.degree(1), 4u);
  EXPECT_EQ(std::vector<NodeId>(g.neighbors(1), g.neighbors(1) + 4), (std::vector<NodeId>{2, 3, 4, 5}));
  EXPECT_EQ(std::vector<float>(g.weights(1), g.weights(1) + 4), (std::vector<float>{2.0f, 3.0f, 4.0f, 0.5f}));
  EXPECT_EQ(g.begin(1), 0u);
  EXPECT_EQ(g.end(1), 4u);
  EXPECT_FLOAT_EQ(g.weight(5, 1), 0.5f);
  EXPECT_FLOAT_EQ(g.weight(1, 4), 4.0f);
  EXPECT_EQ(g.weight(3, 4), 0.0f);
  EXPECT_EQ(g.weight(0, 1), 0.0f) << "the reserved token has no edges";
  EXPECT_FALSE(g.has_edge(0, 1));
  EXPECT_FALSE(g.has_edge(1, 0));

  CsrGraph empty;
  EXPECT_EQ(empty.num_nodes(), 0u);
  EXPECT_EQ(empty.num_edges(), 0u);
}

}  // namespace
}  // namespace n2v
