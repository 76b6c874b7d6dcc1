#!/usr/bin/env python3
"""Eager PyTorch ports of the published Neural ODE's and HNN's training steps.

The yardstick issue 9 of this project compares its C++ training step with:
float32, one thread, batch 100, the published architecture (MLP encoder and
decoder of width 100, derivative net 4-100-100-100-4, relu, residual
connections where shapes match), Dormand-Prince 5(4) with constant steps of
0.1 from 0 to dt (first same as last), mean squared error, Adam.

--model=hnn times the Hamiltonian Neural Network instead
(configs/harmonic/hamiltonian_neural_network.pbtxt): MLP encoder and decoder
of two layers of width 100, a Hamiltonian net 4-100-100-100-1 (relu), the
field (dH/dp, -dH/dq) from autograd with create_graph (so the loss can be
differentiated through it), the same solver.

Not part of the build or the tests; needs Debian's python3-torch:
    apt-get install python3-torch
    /usr/bin/python3 tools/bench/pytorch_neural_ode.py [--jumps 1,10,50]
    /usr/bin/python3 tools/bench/pytorch_neural_ode.py --model=hnn
Prints one line per jump: the median of the timed steps in milliseconds.
"""
import argparse
import statistics
import time

import torch

# Dormand-Prince 5(4) tableau (Hairer, Norsett & Wanner, Table II.5.2).
A = [
    [],
    [1 / 5],
    [3 / 40, 9 / 40],
    [44 / 45, -56 / 15, 32 / 9],
    [19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729],
    [9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656],
]
B = [35 / 384, 0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84]


class Mlp(torch.nn.Module):
    """Activation after every layer but the last; residual where widths match."""

    def __init__(self, widths):
        super().__init__()
        self.layers = torch.nn.ModuleList(
            torch.nn.Linear(a, b) for a, b in zip(widths[:-1], widths[1:]))

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            y = layer(x)
            if i + 1 < len(self.layers):
                y = torch.relu(y)
            x = y + x if y.shape == x.shape else y
        return x


class CoordinateMap(torch.nn.Module):
    """models/mlp_encoder.h with `layers` = num_encoder_layers."""

    def __init__(self, n, width, layers=1):
        super().__init__()
        hidden = [width] * layers
        self.position_in = Mlp([n] + hidden)
        self.momentum_in = Mlp([n] + hidden)
        self.transform = Mlp([2 * width] + hidden)
        self.position_out = Mlp([width] + hidden + [n])
        self.momentum_out = Mlp([width] + hidden + [n])
        self.n = n

    def forward(self, x):
        q, p = x[:, :self.n], x[:, self.n:]
        shared = self.transform(
            torch.cat([self.position_in(q), self.momentum_in(p)], dim=1))
        return torch.cat([self.position_out(shared), self.momentum_out(shared)],
                         dim=1)


class NeuralOde(torch.nn.Module):
    def __init__(self, n=2, width=100):
        super().__init__()
        self.encoder = CoordinateMap(n, width)
        self.decoder = CoordinateMap(n, width)
        self.field = Mlp([2 * n, 100, 100, 100, 2 * n])

    def forward(self, x, dt, step=0.1):
        return solve(self, x, dt, step)


class HamiltonianNeuralNetwork(torch.nn.Module):
    def __init__(self, n=2, width=100):
        super().__init__()
        self.n = n
        self.encoder = CoordinateMap(n, width, layers=2)
        self.decoder = CoordinateMap(n, width, layers=2)
        self.hamiltonian = Mlp([2 * n, 100, 100, 100, 1])

    def field(self, y):
        if not y.requires_grad:
            y = y.requires_grad_()
        (grad,) = torch.autograd.grad(self.hamiltonian(y).sum(), y,
                                      create_graph=True)
        return torch.cat([grad[:, self.n:], -grad[:, :self.n]], dim=1)

    def forward(self, x, dt, step=0.1):
        return solve(self, x, dt, step)


def solve(model, x, dt, step):
    """Encode, Dormand-Prince with constant steps from 0 to dt, decode."""
    y = model.encoder(x)
    steps = max(1, round(dt / step))
    k0 = model.field(y)
    for _ in range(steps):
        k = [k0]
        for i in range(1, 6):
            k.append(model.field(y + step * sum(a * kj for a, kj in zip(A[i], k))))
        y = y + step * sum(b * kj for b, kj in zip(B, k) if b != 0)
        k0 = model.field(y)
    return model.decoder(y)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jumps", default="1,2,5,10")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--model", choices=["neural_ode", "hnn"],
                        default="neural_ode")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = NeuralOde() if args.model == "neural_ode" else (
        HamiltonianNeuralNetwork())
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(100, 4)
    target = torch.randn(100, 4)
    print(f"{args.model}: torch {torch.__version__}, "
          f"threads {torch.get_num_threads()}")
    for jump in (int(j) for j in args.jumps.split(",")):
        times = []
        for repetition in range(args.repetitions + 1):
            start = time.process_time()
            optimizer.zero_grad()
            loss = 0.5 * torch.mean((model(x, float(jump)) - target) ** 2)
            loss.backward()
            optimizer.step()
            if repetition > 0:  # the first step warms up
                times.append(time.process_time() - start)
        print(f"jump {jump}: {1e3 * statistics.median(times):.1f} ms "
              "per training step (CPU time, median)")


if __name__ == "__main__":
    main()
