#!/usr/bin/env python3
"""An eager PyTorch port of the published Neural ODE's training step, timed.

The yardstick issue 9 of this project compares its C++ training step with:
float32, one thread, batch 100, the published architecture (MLP encoder and
decoder of width 100, derivative net 4-100-100-100-4, relu, residual
connections where shapes match), Dormand-Prince 5(4) with constant steps of
0.1 from 0 to dt (first same as last), mean squared error, Adam.

Not part of the build or the tests; needs Debian's python3-torch:
    apt-get install python3-torch
    /usr/bin/python3 tools/bench/pytorch_neural_ode.py [--jumps 1,10,50]
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
    def __init__(self, n, width):
        super().__init__()
        self.position_in = Mlp([n, width])
        self.momentum_in = Mlp([n, width])
        self.transform = Mlp([2 * width, width])
        self.position_out = Mlp([width, width, n])
        self.momentum_out = Mlp([width, width, n])
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
        y = self.encoder(x)
        steps = max(1, round(dt / step))
        k0 = self.field(y)
        for _ in range(steps):
            k = [k0]
            for i in range(1, 6):
                k.append(self.field(y + step * sum(a * kj for a, kj in zip(A[i], k))))
            y = y + step * sum(b * kj for b, kj in zip(B, k) if b != 0)
            k0 = self.field(y)
        return self.decoder(y)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jumps", default="1,2,5,10")
    parser.add_argument("--repetitions", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    model = NeuralOde()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(100, 4)
    target = torch.randn(100, 4)
    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
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
