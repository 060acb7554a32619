// Precompiled header for the torch library's files: the torch headers they need, parsed once.
#pragma once
#include <torch/nn/module.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/functional/loss.h>
#include <torch/optim/adam.h>
#include <torch/data.h>
#include <torch/serialize.h>
#include <torch/script.h>
