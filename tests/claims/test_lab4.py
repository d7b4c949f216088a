"""Lab 4's claims ledger: every sentence of lab 4 that states a number or a direction, checked
against the shipped precomputed studies (assets/lab4/pruning_study.json and
pruning_study_cnn.json).

Each entry names the file that says it, a quote that must still be there (whitespace and
Markdown emphasis ignored), and a check of the data. A recompute that changes the story fails
here with the sentence and the numbers, instead of silently contradicting the page; editing a
sentence without updating its entry fails too. ``course/claims.md`` lists the same entries for
instructors (checked below).
"""

from __future__ import annotations

import json

import numpy as np

from .ledger import ROOT, Claim, ledger_tests
LAB = "labs/04_pruning.ipynb"
LAB_B = "labs/04b_pruning_ablations.ipynb"
PLAN = "course/lab04.md"
AT_INIT_DATA = ("snip", "grasp", "grasp_abs", "synflow")  # the data-driven at-init methods
AT_INIT = ("random", "magnitude", "snip", "grasp", "grasp_abs", "synflow")


def load(arch: str) -> dict:
    name = "pruning_study.json" if arch == "mlp" else "pruning_study_cnn.json"
    return json.loads((ROOT / "assets" / "lab4" / name).read_text(encoding="utf-8"))


STUDIES = {"mlp": load("mlp"), "cnn": load("cnn")}


def acc(arch: str, curve: str, s: float) -> float:
    """Mean test accuracy (%) of a curve at sparsity s."""
    cur = STUDIES[arch]["curves"][curve]
    for x, a in zip(cur["sparsity"], cur["accuracy"]):
        if abs(x - s) < 1e-4:
            return 100 * float(np.mean(a))
    raise KeyError(f"{curve} has no point at sparsity {s}")


def sparsities(arch: str) -> list[float]:
    return list(STUDIES[arch]["provenance"]["config"]["sparsities"])


def dense(arch: str) -> float:
    return 100 * float(np.mean(STUDIES[arch]["dense"]))


def ablation(arch: str) -> tuple[float, dict]:
    abl = STUDIES[arch]["ablations"]
    key = max(abl, key=float)
    return float(key), {m: {v: 100 * float(np.mean(a)) for v, a in t.items()} for m, t in abl[key].items()}


def early(arch: str) -> dict:
    e = STUDIES[arch]["early"]
    return {m: [100 * float(np.mean(a)) for a in v] for m, v in e["accuracy"].items()}


def layers(arch: str, s: float) -> dict:
    for k, v in STUDIES[arch]["layers"].items():
        if abs(float(k) - s) < 1e-4:
            return v
    raise KeyError(s)


def table(fn, arch, names, ss):
    return "; ".join(f"{n}@{s:.3f}={fn(arch, n, s):.1f}" for n in names for s in ss)


# ------------------------------------------------------------------------------------ checks

def c_dense():
    m, c = dense("mlp"), dense("cnn")
    return abs(m - 68) <= 1 and abs(c - 92) <= 1, f"dense MLP {m:.1f}%, CNN {c:.1f}%"


def c_low_sparsity(arch):
    def check():
        s = sparsities(arch)[0]
        d = dense(arch)
        names = [n for n in STUDIES[arch]["curves"]]
        worst = min(acc(arch, n, s) for n in names)
        return worst >= 0.9 * d, f"dense {d:.1f}%, lowest curve at {s:.3f}: {worst:.1f}% ({table(acc, arch, names, [s])})"
    return check


def c_beat_random(arch):
    def check():
        ss = [s for s in sparsities(arch) if s >= 0.89]
        ok = all(acc(arch, m, s) > acc(arch, "random", s) for m in AT_INIT_DATA for s in ss)
        return ok, table(acc, arch, ("random", *AT_INIT_DATA), ss)
    return check


def c_magnitude_chance():
    ss = [s for s in sparsities("mlp") if s >= 0.956]
    ok = all(acc("mlp", "magnitude", s) <= 12.0 for s in ss)
    return ok, table(acc, "mlp", ("magnitude",), ss)


def c_lottery_on_top(arch):
    def check():
        ss = [s for s in sparsities(arch) if s >= 0.79]
        ok = all(acc(arch, "lottery", s) > max(acc(arch, m, s) for m in AT_INIT) for s in ss)
        return ok, table(acc, arch, ("lottery", *AT_INIT), ss)
    return check


def c_after_below():
    ss = [s for s in sparsities("mlp") if s >= 0.95]
    lr_below = all(acc("mlp", "after_lr_rewind", s) < min(acc("mlp", m, s) for m in ("snip", "grasp", "synflow"))
                   for s in ss)
    lr_below &= all(acc("mlp", "after_lr_rewind", s) < acc("mlp", "snip", s) for s in sparsities("mlp") if s >= 0.89)
    ss2 = [s for s in sparsities("mlp") if s >= 0.79]
    ft_below = all(acc("mlp", "after_finetune", s) < acc("mlp", "random", s) for s in ss2)
    return lr_below and ft_below, table(acc, "mlp", ("after_lr_rewind", "after_finetune", "random", "snip",
                                                      "grasp", "synflow"), ss2)


def c_before_retraining():
    b = STUDIES["mlp"]["before_retraining"]
    pts = [(s, 100 * float(np.mean(a))) for s, a in zip(b["sparsity"], b["accuracy"]) if s >= 0.89]
    return bool(pts) and all(a < 20 for _, a in pts), str(pts)


def c_imp_lr_below_synflow():
    s = 0.956
    a, b = acc("mlp", "imp_lr_rewind", s), acc("mlp", "synflow", s)
    return a < b, f"iterative + LR rewinding {a:.1f}%, SynFlow {b:.1f}% at {s}"


def c_weight_rewind_below_lottery():
    s = 0.956
    a, b = acc("mlp", "after_weight_rewind", s), acc("mlp", "lottery", s)
    return b - a > 10, f"one-shot + weight rewinding {a:.1f}%, lottery {b:.1f}% at {s}"


def c_train_fits():
    t = 100 * float(np.mean(STUDIES["mlp"]["dense_train"]))
    return t >= 99.9 and dense("mlp") < 72, f"MLP training accuracy {t:.1f}%, test {dense('mlp'):.1f}%"


def c_cnn_after_working():
    ss = sparsities("cnn")
    above_random = all(acc("cnn", "after_lr_rewind", s) > acc("cnn", "random", s) for s in ss)
    above_init = all(acc("cnn", "after_lr_rewind", s) > max(acc("cnn", m, s) for m in AT_INIT) for s in ss if s < 0.9)
    below_synflow = all(acc("cnn", "after_lr_rewind", s) < acc("cnn", "synflow", s) for s in ss if s > 0.95)
    generalises = dense("cnn") > 90 and dense("mlp") < 70 and min(np.mean(STUDIES[a]["dense_train"]) for a in STUDIES) > 0.999
    return above_random and above_init and below_synflow and generalises, table(acc, "cnn", ("after_lr_rewind", *AT_INIT), ss)


def c_early_mlp():
    e = early("mlp")
    gain = {m: max(v) - v[0] for m, v in e.items()}
    ok = (gain["magnitude"] > 30 and e["magnitude"][0] <= 12 and gain["synflow"] > 2 and gain["grasp"] > 2
          and gain["snip"] < 2)
    return ok, f"gains {gain}, k=0 {({m: v[0] for m, v in e.items()})}"


def c_early_below_lottery(arch):
    def check():
        e = early(arch)
        s = STUDIES[arch]["early"]["sparsity"]
        lot = acc(arch, "lottery", s)
        best = {m: max(v) for m, v in e.items()}
        return all(b < lot for b in best.values()), f"lottery {lot:.1f}%, best after k steps {best}"
    return check


def c_early_cnn_magnitude():
    e = early("cnn")
    gain = {m: max(v) - v[0] for m, v in e.items()}
    return max(gain, key=gain.get) == "magnitude" and min(gain.values()) >= 3, f"gains {gain}"


def c_early_both():
    ok1, n1 = c_early_mlp()
    ok2, n2 = c_early_cnn_magnitude()
    ok3, n3 = c_early_below_lottery("mlp")()
    ok4, n4 = c_early_below_lottery("cnn")()
    return ok1 and ok2 and ok3 and ok4, f"MLP {n1}; {n3}. CNN {n2}; {n4}"


def c_reinit_small():
    s, t = ablation("mlp")
    drops = {m: t[m]["original"] - t[m]["reinit"] for m in AT_INIT_DATA}
    ok = all(drops[m] <= 3 for m in ("snip", "grasp", "synflow")) and drops["grasp_abs"] <= 5
    return ok, f"reinit drops at {s}: {drops}"


def c_shuffle_hurts():
    s, t = ablation("mlp")
    drops = {m: t[m]["original"] - t[m]["shuffled"] for m in AT_INIT_DATA}
    return all(3 < d <= 12 for d in drops.values()), f"shuffle drops at {s}: {drops}"


def c_lottery_ablations():
    s, t = ablation("mlp")
    lt = t["lottery"]
    drops = {v: lt["original"] - lt[v] for v in ("shuffled", "reinit")}
    return all(d > 10 for d in drops.values()), f"lottery drops at {s}: {drops}"


def c_inversion(arch):
    def check():
        s, t = ablation(arch)
        drops = {m: t[m]["original"] - t[m]["inverted"] for m in AT_INIT_DATA}
        return all(d > 15 for d in drops.values()), f"{arch} inversion drops at {s}: {drops}"
    return check


def c_grasp_abs_close():
    ss = sparsities("mlp")
    diffs = {s: acc("mlp", "grasp_abs", s) - acc("mlp", "grasp", s) for s in ss}
    return all(abs(d) <= 3 for d in diffs.values()), f"|GraSP| - GraSP: {diffs}"


def c_cnn_shuffle_more():
    (_, m), (_, c) = ablation("mlp"), ablation("cnn")
    dm = {x: m[x]["original"] - m[x]["shuffled"] for x in ("snip", "grasp", "synflow")}
    dc = {x: c[x]["original"] - c[x]["shuffled"] for x in ("snip", "grasp", "synflow")}
    return all(dc[x] > dm[x] for x in dm), f"shuffle drops MLP {dm}, CNN {dc}"


def _all(*checks):
    def check():
        results = [c() for c in checks]
        return all(ok for ok, _ in results), " | ".join(n for _, n in results)
    return check


def c_after_below_synflow_both():
    vals = {a: (acc(a, "after_lr_rewind", 0.956), acc(a, "synflow", 0.956)) for a in STUDIES}
    return all(x < y for x, y in vals.values()), f"(LR rewinding, SynFlow) at 0.956: {vals}"


def c_reinit_cnn_grasp():
    _, t = ablation("cnn")
    d = t["grasp"]["original"] - t["grasp"]["reinit"]
    return d > 3, f"CNN GraSP reinit drop {d:.1f}"


def c_shuffle_both():
    out, ok = {}, True
    for a in STUDIES:
        _, t = ablation(a)
        out[a] = {m: round(t[m]["original"] - t[m]["shuffled"], 1) for m in AT_INIT_DATA}
        ok &= all(d > 3 for d in out[a].values())
    return ok, str(out)


def c_lottery_ablations_both():
    out = {}
    for a in STUDIES:
        _, t = ablation(a)
        out[a] = {v: t["lottery"]["original"] - t["lottery"][v] for v in ("shuffled", "reinit")}
    return all(d > 10 for x in out.values() for d in x.values()), str(out)


def c_layers_collapse():
    ok = True
    info = []
    for s in (0.956, 0.982, 0.99, 0.995, 0.999):
        item = layers("mlp", s)
        mag = set(item["magnitude"]["collapsed"])
        ok &= mag >= {"layers/1/kernel", "layers/2/kernel"}
        ok &= item["synflow"]["collapsed"] == []
        info.append(f"{s}: magnitude {sorted(mag)}, synflow {item['synflow']['collapsed']}")
    below = layers("mlp", sparsities("mlp")[2])["magnitude"]["collapsed"]
    return ok and below == [], "; ".join(info) + f"; 0.893: magnitude {below}"


def c_recipe():
    m, c = (STUDIES[a]["provenance"]["config"] for a in ("mlp", "cnn"))
    ok = (m["steps"], c["steps"]) == (4000, 2000) and m["batch_size"] == c["batch_size"] == 100
    ok &= m["n_train"] is None and c["n_train"] is None and tuple(c["channels"]) == (32, 32, 32)
    ok &= m["learning_rate"] == c["learning_rate"] == 0.01 and m["final_lr_fraction"] == 0.01
    return ok, f"MLP {m['steps']} steps, CNN {c['steps']} steps, channels {c['channels']}, batch {m['batch_size']}"


def c_precompute_minutes():
    m, c = (STUDIES[a]["provenance"]["seconds"] / 60 for a in ("mlp", "cnn"))
    return 3 <= m <= 7 and 18 <= c <= 32, f"MLP {m:.1f} min, CNN {c:.1f} min"


def c_only_lottery_beats_at_init():
    below = {}
    for a in STUDIES:
        ss = [s for s in sparsities(a) if s >= 0.79]
        others = ("after_finetune", "after_lr_rewind", "after_weight_rewind", "imp_lr_rewind")
        below[a] = {o: [s for s in ss if acc(a, o, s) < max(acc(a, m, s) for m in AT_INIT)] for o in others}
    ok = all(v for x in below.values() for v in x.values())
    ok &= c_lottery_on_top("mlp")()[0] and c_lottery_on_top("cnn")()[0]
    return ok, f"sparsities where each falls below the best at-init method: {below}"


def c_synflow_best_extreme():
    best = {a: max(AT_INIT, key=lambda m: acc(a, m, max(sparsities(a)))) for a in STUDIES}
    return all(b == "synflow" for b in best.values()), f"best at-init method at the top sparsity: {best}"


def c_layers_after():
    item = layers("mlp", 0.956)
    r = item["magnitude_after"]["remaining"]
    spread = max(r.values()) / min(r.values())
    ratios = {m: item[m]["remaining"]["layers/2/kernel"] / item[m]["remaining"]["layers/1/kernel"]
              for m in ("lottery", "snip", "synflow")}
    return spread <= 2.5 and all(x >= 5 for x in ratios.values()), f"after-training spread {spread:.2f}; output/layer-2 {ratios}"


# ------------------------------------------------------- configs, architectures, layer masks

def config(arch: str) -> dict:
    return STUDIES[arch]["provenance"]["config"]


def c_recipe_optimiser():
    out, ok = {}, True
    for a in STUDIES:
        c, r = config(a), STUDIES[a]["provenance"]["recipe"]
        ok &= c["batch_size"] == 100 and c["learning_rate"] == 0.01 and c["final_lr_fraction"] == 0.01
        ok &= c["n_train"] is None and r.startswith("4000 training examples") and "Adam" in r and "cosine" in r
        out[a] = r
    return ok, str(out)


def c_networks_published():
    m, c = dense("mlp"), dense("cnn")
    models = {a: STUDIES[a]["provenance"]["model"] for a in STUDIES}
    ok = models["mlp"] == "MLP 40-100-100-10" and "conv 32, 32, 32 channels" in models["cnn"]
    ok &= abs(m - 68) <= 1 and abs(c - 92) <= 1 and abs(94 - c) <= 2  # about 68 / 92; within 2 of 68 / 94
    return ok, f"{models}; dense MLP {m:.1f}% (published 68%), CNN {c:.1f}% (published 94%)"


def c_architectures():
    mm, cm = STUDIES["mlp"]["provenance"]["model"], STUDIES["cnn"]["provenance"]["model"]
    c = config("cnn")
    ok = mm == "MLP 40-100-100-10" and list(c["channels"]) == [32, 32, 32] and c["kernel_size"] == 5
    ok &= cm.startswith("CNN 40 -> conv 32, 32, 32 channels (kernel 5, stride 2") and "-> linear" in cm
    ok &= STUDIES["cnn"]["layer_names"][-1] == "head/kernel" and len(STUDIES["cnn"]["layer_names"]) == 4
    return ok, f"{mm}; {cm}"


def c_rewind():
    out = {a: (config(a)["steps"], round(config(a)["rewind_fraction"] * config(a)["steps"])) for a in STUDIES}
    ok = config("mlp")["rewind_fraction"] == config("cnn")["rewind_fraction"] == 0.05
    ok &= out["mlp"] == (4000, 200) and out["cnn"] == (2000, 100)
    ok &= [t - k for t, k in out.values()] == [3800, 1900]
    return ok, f"(steps T, rewind step k): {out}"


def c_sparsity_grid():
    want = [1 - 0.8 ** r for r in (3, 7, 10, 14, 18)]
    ok = all(config(a)["prune_fraction"] == 0.2 for a in STUDIES)
    ok &= all(len(sparsities(a)) == 5 and all(abs(s - w) < 1e-4 for s, w in zip(sparsities(a), want))
              for a in STUDIES)
    ok &= round(100 * want[0], 1) == 48.8 and round(100 * want[-1], 1) == 98.2
    return ok, f"sparsities {sparsities('mlp')} (MLP), {sparsities('cnn')} (CNN); 1 - 0.8^r: {want}"


def c_prune_fraction():
    return all(config(a)["prune_fraction"] == 0.2 for a in STUDIES), str({a: config(a)["prune_fraction"] for a in STUDIES})


def _live_full():
    from hardtrain.experiments import pruning_study
    return {a: (pruning_study.StudyConfig.live(a), pruning_study.StudyConfig.full(a)) for a in STUDIES}


def c_live_smaller():
    cf = _live_full()
    ok = all(len(lv.seeds) == 2 < len(fu.seeds) and 4 * lv.steps == fu.steps for lv, fu in cf.values())
    ok &= tuple(cf["cnn"][0].channels) == (16, 16, 16) and tuple(cf["cnn"][1].channels) == (32, 32, 32)
    ok &= all(len(fu.seeds) == len(config(a)["seeds"]) and fu.steps == config(a)["steps"] for a, (_, fu) in cf.items())
    return ok, "; ".join(f"{a}: live {len(lv.seeds)} seeds, {lv.steps} steps, channels {lv.channels}; "
                         f"full {len(fu.seeds)} seeds, {fu.steps} steps" for a, (lv, fu) in cf.items())


def c_live_ablations_smaller():
    cf = _live_full()
    ok = all(len(lv.seeds) < len(fu.seeds) and lv.steps < fu.steps and lv.ablation_rounds == fu.ablation_rounds
             for lv, fu in cf.values())
    return ok, "; ".join(f"{a}: live {len(lv.seeds)} seeds, {lv.steps} steps; full {len(fu.seeds)}, {fu.steps}"
                         for a, (lv, fu) in cf.items())


def c_synflow_rounds():
    return all(config(a)["synflow_rounds"] == 100 for a in STUDIES), str({a: config(a)["synflow_rounds"] for a in STUDIES})


def c_synflow_no_collapse():
    got = {a: {s: it["synflow"]["collapsed"] for s, it in STUDIES[a]["layers"].items()} for a in STUDIES}
    top = {a: max(float(s) for s in STUDIES[a]["layers"]) for a in STUDIES}
    ok = all(v == [] for x in got.values() for v in x.values()) and all(abs(t - 0.999) < 1e-4 for t in top.values())
    return ok, f"SynFlow's collapsed layers per sparsity: {got}"


def c_synflow_conserves():
    """A small deterministic run: SynFlow's scores of every layer sum to the same R (Tanaka et al.'s
    conservation of synaptic flow), on a 5-4-4-3 ReLU MLP."""
    import jax.numpy as jnp
    from hardtrain import pruning
    rng = np.random.default_rng(0)
    shapes = [(5, 4), (4, 4), (4, 3)]
    params = {f"w{i}": rng.standard_normal(sh) for i, sh in enumerate(shapes)}
    params |= {f"b{i}": np.zeros(sh[1]) for i, sh in enumerate(shapes)}

    def apply_fn(p, x):
        h = x
        for i in range(3):
            h = h @ p[f"w{i}"] + p[f"b{i}"]
            h = jnp.maximum(h, 0) if i < 2 else h
        return h

    s = pruning.score("synflow", params, apply_fn, input_shape=(5,))
    sums = [float(np.sum(np.asarray(s[f"w{i}"]))) for i in range(3)]
    return max(sums) - min(sums) <= 1e-9 * max(sums), f"per-layer sums of SynFlow scores {sums}"


def c_layer_collapse_design():
    single = ("magnitude", "snip", "grasp", "grasp_abs")
    at = {a: {m: layers(a, 0.999)[m]["collapsed"] for m in single if layers(a, 0.999)[m]["collapsed"]} for a in STUDIES}
    results = [c_synflow_rounds(), c_synflow_no_collapse(), c_synflow_conserves()]
    ok = all(at.values()) and all(r for r, _ in results)
    return ok, f"single-shot collapses at 0.999: {at} | " + " | ".join(n for _, n in results)


def c_synflow_output_layer():
    mlp = STUDIES["mlp"]
    sizes = {"layers/0/kernel": 40 * 100, "layers/1/kernel": 100 * 100, "layers/2/kernel": 100 * 10}
    out = "layers/2/kernel"
    ok = min(sizes, key=sizes.get) == out == mlp["layer_names"][-1]
    fr = {s: it["synflow"]["remaining"] for s, it in mlp["layers"].items()}
    ok &= all(max(r, key=r.get) == out for r in fr.values())
    return ok, f"SynFlow's kept fraction per MLP layer: {fr}"


FAN_IN = {"mlp": {"layers/0/kernel": (40, 4000), "layers/1/kernel": (100, 10000), "layers/2/kernel": (100, 1000)},
          "cnn": {"convs/0/kernel": (5, 160), "convs/1/kernel": (160, 5120), "convs/2/kernel": (160, 5120),
                  "head/kernel": (160, 1600)}}  # (fan-in, number of weights) of each kernel


def _kept_if_init_scale(arch: str, s: float) -> dict:
    """Fraction of each layer that global magnitude pruning keeps at sparsity s if the weights are
    LeCun-normal (truncated at 2 sigma, std 1/sqrt(fan-in)): one threshold t for the network."""
    import math

    phi = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))  # noqa: E731

    def kept(t):
        out = {}
        for name, (fan, _) in FAN_IN[arch].items():
            z = t * math.sqrt(fan) * 0.87962566103423978  # Flax's truncated-normal correction
            out[name] = 0.0 if z >= 2 else 2 * (phi(2) - phi(z)) / (2 * phi(2) - 1)
        return out

    total = sum(n for _, n in FAN_IN[arch].values())
    lo, hi = 0.0, 10.0
    for _ in range(100):
        t = (lo + hi) / 2
        k = kept(t)
        lo, hi = (t, hi) if sum(k[x] * FAN_IN[arch][x][1] for x in k) > (1 - s) * total else (lo, t)
    return kept((lo + hi) / 2)


def c_magnitude_init_scale():
    """Magnitude at init keeps, in every layer, the fraction that the 1/sqrt(fan-in) scale predicts
    (within 2 points plus 3 binomial standard deviations of one seed's layer), and the layers it
    empties are exactly those with the largest fan-in, i.e. the smallest initial weights."""
    ok, worst, emptied = True, {}, {}
    for a in STUDIES:
        biggest = {n for n, (f, _) in FAN_IN[a].items() if f == max(f for f, _ in FAN_IN[a].values())}
        for key, it in STUDIES[a]["layers"].items():
            pred, got = _kept_if_init_scale(a, float(key)), it["magnitude"]["remaining"]
            for n, (_, size) in FAN_IN[a].items():
                dev = abs(got[n] - pred[n])
                ok &= dev <= 0.02 + 3 * np.sqrt(pred[n] * (1 - pred[n]) / size)
                worst[a] = max(worst.get(a, 0.0), dev)
            col = set(it["magnitude"]["collapsed"])
            if col:
                emptied[f"{a}@{key}"] = sorted(col)
                ok &= col == biggest
    ok &= any(k.startswith("mlp@0.956") for k in emptied) and any(k.startswith("cnn") for k in emptied)
    return ok, f"largest deviation from the 1/sqrt(fan-in) prediction {worst}; emptied {emptied}"


def c_cnn_uses():
    u = STUDIES["cnn"]["weight_uses"]
    ratio = {s: max(it[m]["speedup"] for m in it) / min(it[m]["speedup"] for m in it)
             for s, it in ((s, layers("cnn", s)) for s in (0.99, 0.999))}
    ok = u["convs/0/kernel"] == 20 and u["head/kernel"] == 1 and all(r >= 3 for r in ratio.values())
    return ok, f"uses {u}; largest / smallest FLOP speedup among the masks of one sparsity: {ratio}"


# ----------------------------------------------------------------- part 1 and part 2 details

def c_only_lottery_mlp():
    ss = [s for s in sparsities("mlp") if s >= 0.79]
    others = ("after_finetune", "after_lr_rewind", "after_weight_rewind", "imp_lr_rewind")
    below = {o: [s for s in ss if acc("mlp", o, s) < max(acc("mlp", m, s) for m in AT_INIT)] for o in others}
    ok_top, n_top = c_lottery_on_top("mlp")()
    return ok_top and all(below.values()), f"where each falls below the best at-init method: {below}; {n_top}"


def c_magnitude_not_random():
    ss = [s for s in sparsities("mlp") if s >= 0.89]
    ok = not all(acc("mlp", "magnitude", s) > acc("mlp", "random", s) for s in ss)
    ok &= c_magnitude_chance()[0]
    ok &= all(layers("mlp", s)["magnitude"]["collapsed"] for s in ss if s >= 0.956)
    return ok, table(acc, "mlp", ("magnitude", "random"), ss) + "; " + str(
        {s: layers("mlp", s)["magnitude"]["collapsed"] for s in ss})


def c_chance():
    ch = {a: STUDIES[a]["chance"] for a in STUDIES}
    return all(abs(v - 0.1) < 1e-12 for v in ch.values()), f"chance {ch}"


def c_cnn_dense():
    m, c = dense("mlp"), dense("cnn")
    return abs(c - 92) <= 1 and c - m > 15, f"dense CNN {c:.1f}%, MLP {m:.1f}%"


def c_early_setup():
    out, ok = {}, True
    for a in STUDIES:
        e = STUDIES[a]["early"]
        k = round(config(a)["rewind_fraction"] * config(a)["steps"])
        out[a] = (e["sparsity"], e["steps"], k)
        ok &= abs(e["sparsity"] - 0.956) < 5e-4 and e["steps"][0] == 0
    ok &= out["mlp"][2] == 200 and out["cnn"][2] == 100
    return ok, f"(sparsity, steps k, rewind step): {out}"


def c_early_runs():
    n = {a: (len(STUDIES[a]["early"]["steps"]) - 1) * len(STUDIES[a]["early"]["accuracy"]) for a in STUDIES}
    return all(v == 20 for v in n.values()), f"networks retrained (k = 0 reused from part 1's curves): {n}"


def c_rewind_among_early():
    out = {a: (round(config(a)["rewind_fraction"] * config(a)["steps"]), STUDIES[a]["early"]["steps"]) for a in STUDIES}
    return all(k in ks for k, ks in out.values()), f"(rewind step, early steps): {out}"


def c_ablation_sparsity():
    keys = {a: list(STUDIES[a]["ablations"]) for a in STUDIES}
    return all(k == ["0.9560"] for k in keys.values()), str(keys)


def c_grasp_inversion_disagrees():
    d = {a: ablation(a)[1]["grasp"]["original"] - ablation(a)[1]["grasp"]["inverted"] for a in STUDIES}
    return d["mlp"] > 15, f"points GraSP loses to inversion: {d}"


def c_grasp_sign():
    """A small deterministic run: on a 3-4-3 tanh MLP, GraSP's mask at 50% removes exactly the
    weights with the highest -w*Hg (Wang et al.'s rule), with Hg from an independent float64 NumPy
    gradient (central differences along g); the inversion ablation removes the other half."""
    import jax.numpy as jnp
    from hardtrain import pruning
    rng = np.random.default_rng(4)
    w1, w2 = rng.standard_normal((3, 4)) / np.sqrt(3), rng.standard_normal((4, 3)) / 2
    b1, b2 = 0.1 * rng.standard_normal(4), 0.1 * rng.standard_normal(3)
    x, y = rng.standard_normal((8, 3)), rng.integers(0, 3, 8)
    temp = pruning.GRASP_TEMPERATURE

    def grad(v):  # d(mean cross-entropy of logits / temp)/d(w1, w2), by hand in float64
        a1, a2 = v[:12].reshape(3, 4), v[12:].reshape(4, 3)
        h = np.tanh(x @ a1 + b1)
        z = (h @ a2 + b2) / temp
        p = np.exp(z - z.max(1, keepdims=True))
        p /= p.sum(1, keepdims=True)
        dz = (p - np.eye(3)[y]) / (len(y) * temp)
        dh = dz @ a2.T * (1 - h ** 2)
        return np.concatenate([(x.T @ dh).ravel(), (h.T @ dz).ravel()])

    v = np.concatenate([w1.ravel(), w2.ravel()])
    g = grad(v)
    eps = 1e-4 / np.linalg.norm(g)
    hg = (grad(v + eps * g) - grad(v - eps * g)) / (2 * eps)
    paper = -v * hg
    order = np.argsort(-paper)
    f32 = lambda a: jnp.asarray(a, jnp.float32)  # noqa: E731
    params = {"w1": f32(w1), "b1": f32(b1), "w2": f32(w2), "b2": f32(b2)}

    def apply_fn(p, xx):
        return jnp.tanh(xx @ p["w1"] + p["b1"]) @ p["w2"] + p["b2"]

    scores = pruning.score("grasp", params, apply_fn, (f32(x), jnp.asarray(y, jnp.int32)))
    removed = {}
    for inv in (False, True):  # what prune("grasp", ...) does in one shot: score, then masks
        m = pruning.masks(scores, 0.5, invert=inv)
        kept = np.concatenate([np.asarray(m["w1"]).ravel(), np.asarray(m["w2"]).ravel()])
        removed[inv] = set(np.flatnonzero(~kept).tolist())
    ok = removed[False] == set(order[:12].tolist()) and removed[True] == set(order[12:].tolist())
    gap = np.sort(paper)[12] - np.sort(paper)[11]
    return bool(ok and gap > 1e-6 * np.abs(paper).max()), (
        f"GraSP mask removes the top half of -w*Hg: {removed[False] == set(order[:12].tolist())}; inverted "
        f"removes the other half: {removed[True] == set(order[12:].tolist())}")


PAPER = "Frankle, Dziugaite, Roy & Carbin, ICLR 2021, arXiv 2009.08576"
CLAIMS = [
    Claim("L4.recipe", PLAN, "The MLP trains 4,000 steps (100 epochs), the CNN 2,000", c_recipe,
          "Greydanus & Kobak, ICML 2024 (Adam, learning rate 0.01, batch 100)"),
    Claim("L4.precompute-time", PLAN, "about 5 and 25 minutes on a 2-core CPU", c_precompute_minutes),
    Claim("L4.only-lottery", PLAN, "Only the lottery ticket (iterative pruning with the weights rewound to early in "
          "training) beat every at-init method here, at every sparsity from 79.0% on, on both networks",
          c_only_lottery_beats_at_init),
    Claim("L4.synflow-extreme", PLAN, "At extreme sparsity it was the best at-init method here", c_synflow_best_extreme,
          "Tanaka et al., NeurIPS 2020"),
    Claim("L4.dense", LAB, "The dense MLP reaches about 68% test accuracy and the CNN about 92%", c_dense,
          "Greydanus & Kobak, ICML 2024 (MLP 68%, CNN 94%)"),
    Claim("L4.low-sparsity", (LAB, PLAN), "At 48.8% sparsity every method keeps at least 90% of the dense accuracy",
          c_low_sparsity("mlp"), PAPER),
    Claim("L4.beat-random", (LAB, PLAN), "SNIP, GraSP, |GraSP| and SynFlow beat random pruning at 89.3% sparsity and above",
          c_beat_random("mlp"), PAPER),
    Claim("L4.magnitude-chance", LAB, "from 95.6% on it is at chance", c_magnitude_chance),
    Claim("L4.lottery-top", (LAB, PLAN), "The lottery ticket beats every at-init method at every sparsity from 79.0% on",
          c_lottery_on_top("mlp"), PAPER),
    Claim("L4.after-below", (LAB, PLAN), "with learning-rate rewinding it falls below SNIP from 89.3% sparsity on and below "
          "SNIP, GraSP and SynFlow from 95.6% on, and fine-tuned it falls below random from 79.0% on",
          c_after_below, PAPER),
    Claim("L4.before-retraining", LAB, "leave the trained MLP close to chance (under 20%) from 89.3% sparsity on",
          c_before_retraining),
    Claim("L4.imp-lr", LAB, "iterative pruning with learning-rate rewinding is still below SynFlow at 95.6%",
          c_imp_lr_below_synflow, "Renda, Frankle & Carbin, ICLR 2020"),
    Claim("L4.weight-rewind", LAB, "at 95.6% the one-shot mask with its weights rewound to step 200 is more than "
          "10 points below the lottery ticket", c_weight_rewind_below_lottery),
    Claim("L4.memorises", LAB, "this MLP fits its training set exactly (100% training accuracy against 68% on the "
          "test set)", c_train_fits),
    Claim("L4.cnn-low-sparsity", LAB, "at 48.8% sparsity every method again keeps at least 90% of it",
          c_low_sparsity("cnn"), PAPER),
    Claim("L4.cnn-lottery-top", LAB, "On the CNN too the lottery ticket beats every at-init method from 79.0% on",
          c_lottery_on_top("cnn"), PAPER),
    Claim("L4.cnn-after", LAB, "one-shot magnitude pruning after training with learning-rate rewinding beats random "
          "pruning at every sparsity and every at-init method up to 89.3%, so it is a working baseline there; it "
          "still falls below SynFlow at 95.6% and 98.2%. The CNN generalises far better than the MLP (92% against "
          "68% test accuracy, both at 100% training accuracy)", c_cnn_after_working, PAPER),
    Claim("L4.early", (LAB, PLAN), "scoring after a few hundred steps lifts magnitude pruning by more than 30 points (from "
          "chance at k = 0), and SynFlow and GraSP by a few points; SNIP gains nothing", c_early_mlp,
          PAPER + ", section 6"),
    Claim("L4.early-below-lottery", (LAB, PLAN), "None of them reaches the lottery ticket", c_early_below_lottery("mlp")),
    Claim("L4.cnn-early", LAB, "On the CNN, magnitude gains the most too, and every method gains at least 3 points, "
          "SNIP included", c_early_cnn_magnitude),
    Claim("L4.early-both", LAB, "The paper's finding holds here for magnitude, SynFlow and GraSP on both networks, and "
          "for SNIP on the CNN only; none of the four reaches the lottery ticket on either network", c_early_both,
          PAPER + ", section 6"),
    Claim("L4.reinit", (LAB_B, PLAN), "Reinitialising costs SNIP, GraSP and SynFlow at most 3 points each (|GraSP| at most 5)",
          c_reinit_small, PAPER),
    Claim("L4.shuffle", (LAB_B, PLAN), "Shuffling costs each of them more than 3 points (5 to 12)", c_shuffle_hurts, PAPER),
    Claim("L4.lottery-ablations", (LAB_B, PLAN), "The lottery ticket loses more than 10 points to either ablation",
          c_lottery_ablations, PAPER),
    Claim("L4.inversion", (LAB_B, PLAN), "Inversion costs every data-driven method (SNIP, GraSP, |GraSP|, SynFlow) more than "
          "15 points", c_inversion("mlp"), PAPER),
    Claim("L4.grasp-abs", LAB_B, "|GraSP|, does about as well as GraSP here: within 3 points at every sparsity of "
          "part 1", c_grasp_abs_close, PAPER),
    Claim("L4.cnn-shuffle", (LAB_B, PLAN), "On the CNN, shuffling costs SNIP, GraSP and SynFlow more than it costs them on "
          "the MLP", c_cnn_shuffle_more, "Lee et al.'s objection, as discussed by " + PAPER),
    Claim("L4.cnn-inversion", LAB_B, "inversion still costs every data-driven method more than 15 points",
          c_inversion("cnn")),
    Claim("L4.layers-collapse", (LAB_B, PLAN), "magnitude at initialisation empties layers 2 and 3 from 95.6% on (hence its "
          "fall to chance in part 1); SynFlow collapses no layer even at 99.9%", c_layers_collapse,
          "Tanaka et al., NeurIPS 2020"),
    Claim("L4.layers-after-plan", PLAN, "At 95.6%, one-shot magnitude after training keeps about the same fraction of "
          "every layer of the MLP, the lottery ticket at least 5 times more of the output layer than of layer 2",
          c_layers_after),
    Claim("L4.misc-magnitude", PLAN, "pruned in one shot and retrained, it fell below SNIP, GraSP and SynFlow at 95.6% "
          "on this lab's MLP", c_after_below),
    Claim("L4.table-low", PLAN, "agrees on both networks (every method keeps at least 90% of the dense accuracy at "
          "48.8%)", _all(c_low_sparsity("mlp"), c_low_sparsity("cnn")), PAPER),
    Claim("L4.table-random", PLAN, "agrees for SNIP, GraSP, |GraSP| and SynFlow on both networks (89.3% and above); "
          "magnitude at initialisation falls to chance on the MLP", _all(c_beat_random("mlp"), c_beat_random("cnn"),
                                                                         c_magnitude_chance), PAPER),
    Claim("L4.table-after", PLAN, "agrees for the lottery ticket on both networks; one-shot magnitude after training "
          "with learning-rate rewinding falls below SynFlow at 95.6% on both",
          _all(c_lottery_on_top("mlp"), c_lottery_on_top("cnn"), c_after_below_synflow_both), PAPER),
    Claim("L4.table-early", PLAN, "agrees for magnitude, SynFlow and GraSP on both networks, for SNIP on the CNN only; "
          "none reaches the lottery ticket", c_early_both, PAPER),
    Claim("L4.table-reinit", PLAN, "agrees on the MLP (at most 3 points for SNIP, GraSP and SynFlow); on the CNN, GraSP "
          "loses more than 3", _all(c_reinit_small, c_reinit_cnn_grasp), PAPER),
    Claim("L4.table-shuffle", PLAN, "disagrees on both networks (more than 3 points for SNIP, GraSP, |GraSP| and "
          "SynFlow), and more on the CNN than on the MLP", _all(c_shuffle_both, c_cnn_shuffle_more), PAPER),
    Claim("L4.table-lottery", PLAN, "agrees on both networks (more than 10 points each)", c_lottery_ablations_both,
          PAPER),
    Claim("L4.table-inversion", PLAN, "disagrees on GraSP on both networks: inversion costs it more than 15 points too",
          _all(c_inversion("mlp"), c_inversion("cnn")), PAPER),
    Claim("L4.layers-after", LAB_B, "keeps about the same fraction of every layer (at most 2.5 times more of one than "
          "of another, like random pruning), whereas the lottery ticket, like SNIP and SynFlow, keeps at least 5 "
          "times more of the output layer than of layer 2", c_layers_after),
    # ---- added: the recipe, the networks, the configs behind the pages' numbers
    Claim("L4.recipe-optimiser", PLAN, "minibatch Adam, batch 100, learning rate 0.01 decayed along a cosine to 1% of "
          "it, on all 4,000 MNIST-1D training examples", c_recipe_optimiser,
          "Greydanus & Kobak, ICML 2024, arXiv 2011.14439 (Adam, 0.01, batch 100); Loshchilov & Hutter, ICLR 2017, "
          "arXiv 1608.03983 (cosine schedule)"),
    Claim("L4.recipe-lab", LAB, "both trained the way the MNIST-1D authors train theirs: minibatch Adam (batch 100, "
          "learning rate 0.01) on all 4,000 training examples, here with a cosine learning-rate schedule",
          c_recipe_optimiser, "Greydanus & Kobak, ICML 2024, arXiv 2011.14439"),
    Claim("L4.networks-published", PLAN, "The networks, MLP 40-100-100-10 and a CNN with three conv layers of 32 "
          "channels, come within 2 points of the published MNIST-1D accuracies (about 68% and 92% test accuracy "
          "against the published 68% and 94%", c_networks_published,
          "Greydanus & Kobak, ICML 2024, arXiv 2011.14439 (MLP 68%, CNN 94%)"),
    Claim("L4.networks-plan", PLAN, "this lab trains a 40-100-100-10 MLP and a small 1-D CNN on MNIST-1D",
          c_architectures),
    Claim("L4.cnn-architecture", LAB, "three strided convolutions with kernel 5 and 32 channels, then a linear layer",
          c_architectures),
    Claim("L4.cnn-taps", LAB_B, "a kernel has only 5 taps per channel", c_architectures),
    Claim("L4.retrain-steps", LAB, "every one retrains what is left for the same number of steps (3,800 on the MLP, "
          "1,900 on the CNN: the whole schedule less its first 5%)", c_rewind, "Renda, Frankle & Carbin, ICLR 2020, "
          "arXiv 2003.02389 (retraining budget of rewinding)"),
    Claim("L4.rewind-step", LAB, "reset the surviving weights to their values at step k, 5% of training (k = 200 on "
          "the MLP, 100 on the CNN)", c_rewind, "Frankle, Dziugaite, Roy & Carbin, ICML 2020, arXiv 1912.05671"),
    Claim("L4.prune-fraction", LAB, "iterative pruning with learning-rate rewinding: remove 20% of the remaining "
          "weights", c_prune_fraction, "Frankle & Carbin, ICLR 2019, arXiv 1803.03635 (20% per round)"),
    Claim("L4.sparsity-grid", LAB, "Every curve is measured at the sparsities that 3, 7, 10, 14 and 18 rounds of 20% "
          "pruning reach (48.8% to 98.2%)", c_sparsity_grid),
    Claim("L4.live-smaller", LAB, "a smaller study with the ticked methods (dashed lines): 2 seeds and a quarter of "
          "the training steps", c_live_smaller),
    Claim("L4.live-smaller-plan", PLAN, "Both are smaller than the precomputed study (2 seeds, a quarter of the "
          "steps; the live CNN has 16 channels)", c_live_smaller),
    Claim("L4.live-ablations-smaller", LAB_B, "a smaller study: fewer seeds and steps", c_live_ablations_smaller),
    Claim("L4.synflow-rounds", LAB, "100 rounds | none", c_synflow_rounds, "Tanaka et al., NeurIPS 2020, arXiv "
          "2006.05467 (100 rounds)"),
    Claim("L4.layer-collapse", LAB_B, "At extreme sparsity a single-shot method can remove a whole layer, which "
          "disconnects the network (layer collapse); SynFlow's 100 rounds are designed to prevent it: its scores "
          "conserve the \"synaptic flow\" R layer by layer", c_layer_collapse_design,
          "Tanaka et al., NeurIPS 2020, arXiv 2006.05467"),
    Claim("L4.synflow-avoids", PLAN, "explain why SynFlow's iterative, data-free score avoids it",
          c_synflow_no_collapse, "Tanaka et al., NeurIPS 2020, arXiv 2006.05467"),
    Claim("L4.synflow-output", LAB_B, "Why does SynFlow keep relatively more weights in the smallest (output) layer?",
          c_synflow_output_layer, "Tanaka et al., NeurIPS 2020, arXiv 2006.05467"),
    Claim("L4.magnitude-init-scale", PLAN, "At initialisation it mostly reflects the initialiser's scale per layer "
          "(1/√fan-in), which is how it empties whole layers", c_magnitude_init_scale,
          "Tanaka et al., NeurIPS 2020, arXiv 2006.05467 (layer collapse of magnitude pruning)"),
    Claim("L4.magnitude-smallest", LAB_B, "Why would magnitude pruning at initialisation empty the layers whose "
          "initial weights are smallest?", c_magnitude_init_scale),
    Claim("L4.cnn-uses", PLAN, "A conv-1 weight is used at 20 positions per example and a head weight once, so two "
          "masks of the same sparsity can differ several-fold in FLOP speedup", c_cnn_uses,
          "Blalock et al., MLSys 2020, arXiv 2003.03033 (theoretical speedup)"),
    Claim("L4.low-flatters", (PLAN, LAB_B), "low sparsity flatters every method",
          _all(c_low_sparsity("mlp"), c_low_sparsity("cnn")), "Blalock et al., MLSys 2020, arXiv 2003.03033"),
    # ---- added: part 1
    Claim("L4.magnitude-not-random", LAB, "Magnitude at initialisation does not: from 95.6% on it is at chance, "
          "because it empties whole layers", c_magnitude_not_random, PAPER),
    Claim("L4.finding-iii", LAB, "Finding (iii) holds for the lottery ticket only. Frankle et al. found magnitude "
          "after training above every at-init method; this reproduction disagrees", c_only_lottery_mlp, PAPER),
    Claim("L4.only-combination", LAB, "Only the combination, pruning gradually and rewinding the weights to early in "
          "training, stays above the at-init methods", c_only_lottery_mlp, "Frankle & Carbin, ICLR 2019, arXiv "
          "1803.03635; Renda, Frankle & Carbin, ICLR 2020, arXiv 2003.02389"),
    Claim("L4.chance", LAB, "dotted black at the bottom: chance (1 in 10 classes)", c_chance),
    Claim("L4.cnn-dense", LAB, "The dense CNN is far more accurate (about 92%)", c_cnn_dense),
    Claim("L4.early-setup", LAB, "the lottery ticket rewinds to k = 200 on the MLP, 100 on the CNN), then the pruned "
          "network trains from $\\theta_k$ for the remaining steps, at 95.6% sparsity", c_early_setup, PAPER + ", section 6"),
    Claim("L4.early-runs", LAB, "it retrains 20 networks per seed", c_early_runs),
    Claim("L4.early-rewind", LAB, "although the lottery ticket starts from one of these same $\\theta_k$", c_rewind_among_early),
    # ---- added: part 2
    Claim("L4.ablation-sparsity", LAB_B, "Bars: test accuracy of each mask and its ablations at 95.6% sparsity",
          c_ablation_sparsity, PAPER),
    Claim("L4.grasp-inversion-disagrees", LAB_B, "GraSP included, where the paper found that inversion does not hurt "
          "GraSP. This reproduction disagrees", c_grasp_inversion_disagrees, PAPER),
    Claim("L4.grasp-sign", LAB_B, "It is not a sign error (the tests check that keeping the highest w \\odot Hg removes "
          "exactly the weights the paper's rule removes)", c_grasp_sign,
          "Wang, Zhang & Grosse, ICLR 2020, arXiv 2002.07376 (GraSP's rule)"),
]


(test_the_sentence_is_on_the_page, test_the_data_support_the_sentence,
 test_the_course_ledger_is_generated_from_the_claims) = ledger_tests("lab4", CLAIMS)
