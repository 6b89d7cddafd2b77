"""Independent float64 reference for conv/pool/norm, written from the definitions with plain
loops (no im2col, no shared code with the TypeScript kernels). Reads a JSON list of cases on
stdin, prints a JSON list of results: the forward output and the gradients for the upstream G
given in each case."""
import json
import sys

import numpy as np


def conv2d(x, w, stride, padding, dilation, groups):
    n_, c_, h_, w_ = x.shape
    o_, cg, kh, kw = w.shape
    sh, sw = stride
    ph, pw = padding
    dh, dw = dilation
    ho = (h_ + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    wo = (w_ + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    og = o_ // groups
    y = np.zeros((n_, o_, ho, wo))
    for n in range(n_):
        for o in range(o_):
            g = o // og
            for i in range(ho):
                for j in range(wo):
                    s = 0.0
                    for k in range(cg):
                        for p in range(kh):
                            for q in range(kw):
                                hh = i * sh + p * dh - ph
                                ww = j * sw + q * dw - pw
                                if 0 <= hh < h_ and 0 <= ww < w_:
                                    s += w[o, k, p, q] * x[n, g * cg + k, hh, ww]
                    y[n, o, i, j] = s
    return y


def conv2d_grads(x, w, gy, stride, padding, dilation, groups):
    """dL/dx and dL/dw for L = sum(G * conv2d(x, w)), by the chain rule on each product term."""
    n_, c_, h_, w_ = x.shape
    o_, cg, kh, kw = w.shape
    sh, sw = stride
    ph, pw = padding
    dh, dw = dilation
    og = o_ // groups
    dx = np.zeros_like(x)
    dwt = np.zeros_like(w)
    for n in range(n_):
        for o in range(o_):
            g = o // og
            for i in range(gy.shape[2]):
                for j in range(gy.shape[3]):
                    for k in range(cg):
                        for p in range(kh):
                            for q in range(kw):
                                hh = i * sh + p * dh - ph
                                ww = j * sw + q * dw - pw
                                if 0 <= hh < h_ and 0 <= ww < w_:
                                    dx[n, g * cg + k, hh, ww] += gy[n, o, i, j] * w[o, k, p, q]
                                    dwt[o, k, p, q] += gy[n, o, i, j] * x[n, g * cg + k, hh, ww]
    return dx, dwt


def pool2d(x, gy, kernel, stride, padding, kind):
    n_, c_, h_, w_ = x.shape
    kh, kw = kernel
    sh, sw = stride
    ph, pw = padding
    ho = (h_ + 2 * ph - kh) // sh + 1
    wo = (w_ + 2 * pw - kw) // sw + 1
    y = np.zeros((n_, c_, ho, wo))
    dx = np.zeros_like(x)
    for n in range(n_):
        for c in range(c_):
            for i in range(ho):
                for j in range(wo):
                    cells = [(i * sh + p - ph, j * sw + q - pw) for p in range(kh) for q in range(kw)]
                    inside = [(a, b) for a, b in cells if 0 <= a < h_ and 0 <= b < w_]
                    if kind == "max":
                        vals = [x[n, c, a, b] for a, b in inside]
                        m = max(vals)
                        a, b = inside[vals.index(m)]
                        y[n, c, i, j] = m
                        dx[n, c, a, b] += gy[n, c, i, j]
                    else:
                        y[n, c, i, j] = sum(x[n, c, a, b] for a, b in inside) / (kh * kw)
                        for a, b in inside:
                            dx[n, c, a, b] += gy[n, c, i, j] / (kh * kw)
    return y, dx


def norm(x, gy, axes, eps, weight, bias):
    """(x - mean) / sqrt(var + eps) * weight + bias over `axes` (biased variance), and its
    gradients from the closed form dx = (1/m) r (m g' - sum g' - xhat sum(g' xhat))."""
    axes = tuple(axes)
    m = int(np.prod([x.shape[a] for a in axes]))
    mu = x.mean(axis=axes, keepdims=True)
    var = ((x - mu) ** 2).mean(axis=axes, keepdims=True)
    r = 1.0 / np.sqrt(var + eps)
    xhat = (x - mu) * r
    y = xhat * weight + bias
    gh = gy * weight
    dx = (r / m) * (m * gh - gh.sum(axis=axes, keepdims=True) - xhat * (gh * xhat).sum(axis=axes, keepdims=True))
    # weight and bias come in full rank (size 1 where they broadcast): sum over those axes.
    other = tuple(a for a in range(x.ndim) if weight.shape[a] == 1)
    dwt = (gy * xhat).sum(axis=other, keepdims=True)
    db = gy.sum(axis=other, keepdims=True)
    return y, dx, dwt, db


def run(case):
    a = lambda k: np.array(case[k], dtype=np.float64)
    kind = case["kind"]
    if kind == "conv2d":
        x, w, gy = a("x"), a("w"), a("g")
        args = (case["stride"], case["padding"], case["dilation"], case["groups"])
        y = conv2d(x, w, *args)
        dx, dw = conv2d_grads(x, w, gy, *args)
        return {"y": y.ravel().tolist(), "shape": list(y.shape), "dx": dx.ravel().tolist(), "dw": dw.ravel().tolist()}
    if kind in ("max", "avg"):
        y, dx = pool2d(a("x"), a("g"), case["kernel"], case["stride"], case["padding"], kind)
        return {"y": y.ravel().tolist(), "shape": list(y.shape), "dx": dx.ravel().tolist()}
    if kind == "norm":
        y, dx, dw, db = norm(a("x"), a("g"), case["axes"], case["eps"], a("weight"), a("bias"))
        return {"y": y.ravel().tolist(), "shape": list(y.shape), "dx": dx.ravel().tolist(),
                "dw": np.ravel(dw).tolist(), "db": np.ravel(db).tolist()}
    if kind == "bn_running":
        # Batch norm's buffers per channel (axis 1): one training step moves them by `momentum`
        # towards the batch mean and the unbiased batch variance; eval normalises x2 with them.
        x, rm, rv, x2 = a("x"), a("runningMean"), a("runningVar"), a("x2")
        mom, eps = case["momentum"], case["eps"]
        axes = tuple(k for k in range(x.ndim) if k != 1)
        m = int(np.prod([x.shape[k] for k in axes]))
        mu = x.mean(axis=axes)
        var = ((x - x.mean(axis=axes, keepdims=True)) ** 2).mean(axis=axes)
        rm = (1 - mom) * rm + mom * mu
        rv = (1 - mom) * rv + mom * var * m / (m - 1)
        shape = [1, -1] + [1] * (x.ndim - 2)
        y = (x2 - rm.reshape(shape)) / np.sqrt(rv.reshape(shape) + eps)
        return {"y": y.ravel().tolist(), "shape": list(y.shape), "dx": [], "rm": rm.tolist(), "rv": rv.tolist()}
    raise ValueError(kind)


if __name__ == "__main__":
    print(json.dumps([run(c) for c in json.load(sys.stdin)]))
