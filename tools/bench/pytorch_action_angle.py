#!/usr/bin/env python3
"""An eager PyTorch port of this project's Action-Angle Network, timed.

The yardstick of issue 23: the C++ training step and prediction of the
Action-Angle Network (train/models_benchmark, `BM_TrainStep/action_angle` and
the Predictor timings) against the same network in eager PyTorch, float32,
one thread:

  encode   the standardised state [q, p] times the fixed pair scale, then
           20 shear layers (even layers p <- p + f(q), odd q <- q + f(p))
           with the shipped conditioner f(x) = (sigmoid(x W + b) * a) W^T +
           gate * x, hidden width 100 (models/symplectic_flow.h);
           polar action-angles per pair: I = |(x, y)|, theta = atan2(y, x)
  evolve   omega = F(I), F an MLP n -> 100 -> n with sigmoid
           (models/mlp.h: activation after every layer but the last,
           residual where widths match); theta <- wrap(theta + omega dt)
  decode   (I cos theta, I sin theta), the shears undone in reverse order,
           the pair scale divided out

Training step: batch 100 of 2 degrees of freedom, loss = mean squared error
+ 1 * the batch variance of the actions (train/loss.h with one trajectory),
Adam. The network's cost does not depend on dt, which the script measures at
jumps 1 and 10 to show it.

Not part of the build or the tests; needs Debian's python3-torch:
    apt-get install python3-torch
    /usr/bin/python3 tools/bench/pytorch_action_angle.py [--jumps 1,10]
Prints the median CPU time of a training step per jump, of one single-state
prediction per dt, and of a batch of 500 states.
"""
import argparse
import math
import statistics
import time

import torch


class Shear(torch.nn.Module):
    """f(x) = (sigmoid(x W + b) * a) W^T + gate * x; starts as the identity."""

    def __init__(self, n, width, stddev=0.01):
        super().__init__()
        self.w = torch.nn.Parameter(stddev * torch.randn(n, width))
        self.b = torch.nn.Parameter(stddev * torch.randn(1, width))
        self.a = torch.nn.Parameter(torch.zeros(1, width))
        self.gate = torch.nn.Parameter(torch.zeros(1, n))

    def forward(self, x):
        return (torch.sigmoid(x @ self.w + self.b) * self.a) @ self.w.T + (
            self.gate * x)


class ActionAngleNetwork(torch.nn.Module):

    def __init__(self, n=2, layers=20, width=100):
        super().__init__()
        self.n = n
        self.shears = torch.nn.ModuleList(
            Shear(n, width) for _ in range(layers))
        self.omega_hidden = torch.nn.Linear(n, width)
        self.omega_out = torch.nn.Linear(width, n)
        self.pair_scale = torch.ones(1, 2 * n)

    def encode(self, x):
        x = x * self.pair_scale
        q, p = x[:, :self.n], x[:, self.n:]
        for layer, shear in enumerate(self.shears):
            if layer % 2 == 0:
                p = p + shear(q)
            else:
                q = q + shear(p)
        return torch.sqrt(q * q + p * p), torch.atan2(p, q)

    def decode(self, actions, angles):
        q, p = actions * torch.cos(angles), actions * torch.sin(angles)
        for layer in reversed(range(len(self.shears))):
            if layer % 2 == 0:
                p = p - self.shears[layer](q)
            else:
                q = q - self.shears[layer](p)
        return torch.cat([q, p], dim=1) / self.pair_scale

    def forward(self, x, dt):
        actions, angles = self.encode(x)
        omega = self.omega_out(torch.sigmoid(self.omega_hidden(actions)))
        angles = torch.remainder(angles + omega * dt + math.pi,
                                 2 * math.pi) - math.pi
        return self.decode(actions, angles), actions


def median_cpu_seconds(function, repetitions):
    function()  # warm up
    times = []
    for _ in range(repetitions):
        start = time.process_time()
        function()
        times.append(time.process_time() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jumps", default="1,10")
    parser.add_argument("--dts", default="1,10,100,1000")
    parser.add_argument("--repetitions", type=int, default=50)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = ActionAngleNetwork()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(100, 4)
    target = torch.randn(100, 4)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"{sum(p.numel() for p in model.parameters())} parameters")

    for jump in (int(j) for j in args.jumps.split(",")):

        def step():
            optimizer.zero_grad()
            prediction, actions = model(x, float(jump))
            loss = torch.mean((prediction - target)**2) + torch.var(
                actions, dim=0, unbiased=False).sum()
            loss.backward()
            optimizer.step()

        seconds = median_cpu_seconds(step, args.repetitions)
        print(f"training step, batch 100, jump {jump}: {1e3 * seconds:.3f} ms "
              "(CPU time, median)")

    one = torch.randn(1, 4)
    batch = torch.randn(500, 4)
    with torch.no_grad():
        for dt in (float(d) for d in args.dts.split(",")):
            seconds = median_cpu_seconds(lambda: model(one, dt),
                                         10 * args.repetitions)
            print(f"prediction, 1 state, dt {dt:g}: {1e6 * seconds:.1f} us")
        seconds = median_cpu_seconds(lambda: model(batch, 1.0),
                                     args.repetitions)
        print(f"prediction, 500 states, dt 1: {1e3 * seconds:.3f} ms")


if __name__ == "__main__":
    main()
