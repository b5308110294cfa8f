/* Interactive calculators for the book's pages (no dependencies, nothing from other hosts).
 *
 * A page holds <div class="book-calc" data-calc="NAME" data-src="../assets/calc/book-calc.json">
 * with a table of worked examples that scripts/hooks/calculators.py renders at build time (the
 * PDF keeps that table). This script builds a form inside each such div, reads the accelerator
 * figures and recipe tables from the JSON that the same hook writes from data/accelerators.yaml
 * and the book's Python scripts, and recomputes on every keystroke.
 *
 * The formulas (BookCalcFormulas below) are twins of docs/training/memory_estimator.py,
 * docs/insights/training_cost.py, docs/inference/kv_calc.py and scripts/calcbook.py;
 * tests/test_calc_formulas.py runs both on the same cases in node and requires agreement.
 */
(function (root) {
  "use strict";

  // ------------------------------------------------------------------ formulas
  function CalcError(code, detail) {
    this.code = code;
    this.detail = detail || {};
  }

  var SUFFIXES = { k: 1e3, m: 1e6, b: 1e9, g: 1e9, t: 1e12 };

  // "70e9", "70B", "8.03b", "350M", "1.5T", "1,000" -> number; throws CalcError otherwise.
  function parseNumber(text, allowSuffix) {
    var s = String(text == null ? "" : text).trim().replace(/[_,\s]/g, "");
    if (s === "") throw new CalcError("empty");
    var factor = 1;
    var last = s.charAt(s.length - 1).toLowerCase();
    if (allowSuffix && Object.prototype.hasOwnProperty.call(SUFFIXES, last)) {
      factor = SUFFIXES[last];
      s = s.slice(0, -1);
    }
    if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s)) throw new CalcError("nan");
    var value = parseFloat(s) * factor;
    if (!isFinite(value)) throw new CalcError("nan");
    return value;
  }

  function trainMemory(p) {
    var w = p.recipe[0], g = p.recipe[1], o = p.recipe[2];
    var local = p.params / (p.tp * p.pp);
    var weights = local * w / (p.zero >= 3 ? p.dp : 1);
    var grads = local * g / (p.zero >= 2 ? p.dp : 1);
    var optim = local * o / (p.zero >= 1 ? p.dp : 1);
    var sbh = p.seq * p.microBatch * p.hidden;
    var perLayer;
    if (p.recompute === "none") perLayer = sbh * (34 + 5 * p.heads * p.seq / p.hidden) / p.tp;
    else if (p.recompute === "selective") perLayer = sbh * 34 / p.tp;
    else perLayer = sbh * 2 / p.tp;
    var activations = perLayer * p.layers;
    var states = weights + grads + optim;
    var total = states + activations;
    var need = total * 1.15;
    return {
      weights: weights, gradients: grads, optimizer: optim, states: states,
      activations: activations, total: total, need: need,
      capacity: p.capacity, fits: need <= p.capacity
    };
  }

  function trainCost(p) {
    var totalFlops = p.flopsPerParamToken * p.params * p.tokens;
    var achieved = p.peakTflops * 1e12 * p.mfu;
    var gpuHours = totalFlops / achieved / 3600;
    var wallHours = gpuHours / p.gpus;
    return {
      total_flops: totalFlops, achieved_tflops_per_gpu: achieved / 1e12,
      gpu_hours: gpuHours, wall_clock_hours: wallHours, wall_clock_days: wallHours / 24,
      cost: gpuHours * p.price
    };
  }

  function kvServing(p) {
    var perToken = 2 * p.layers * p.kvHeads * p.headDim * p.kvBytes;
    var kvSplit = Math.min(p.gpus, p.kvHeads);
    var perRequest = perToken * p.context;
    // The vendor's "80 GB" of HBM is 80 GiB (stacks come in powers of two), as in kv_calc.py.
    var usable = p.memoryGb * 1073741824 * p.gpus * p.memUtil;
    var weights = p.params * p.weightBytes;
    var perRequestTotal = perRequest * p.gpus / kvSplit;
    var budget = usable - weights;
    if (budget <= 0) throw new CalcError("weights", { weights: weights, usable: usable });
    var maxRequests = Math.floor(budget / perRequestTotal);
    var bw = p.bwTbs * 1e12 * p.gpus * p.bwEff;
    function decode(batch) {
      var step = (p.params * p.weightBytes + batch * perRequestTotal) / bw;
      return { batch: batch, step_ms: step * 1e3, tokens_per_s_per_request: 1 / step,
               tokens_per_s_total: batch / step };
    }
    return {
      kv_bytes_per_token: perToken, kv_bytes_per_request: perRequest, weights_bytes: weights,
      usable_bytes: usable, kv_budget_bytes: budget, max_requests: maxRequests,
      decode1: decode(1), decodeMax: decode(Math.max(1, maxRequests))
    };
  }

  // Young (1974) and Daly (2006); waste = C/tau + tau/(2M) + R/M at Daly's interval.
  function checkpoint(p) {
    var C = p.saveSeconds, M = p.mtbfHours * 3600, R = p.restartMinutes * 60;
    var young = Math.sqrt(2 * C * M);
    var daly = C < 2 * M
      ? Math.sqrt(2 * C * M) * (1 + Math.sqrt(C / (2 * M)) / 3 + C / (18 * M)) - C
      : M;
    var waste = C / daly + daly / (2 * M) + R / M;
    return {
      young_s: young, daly_s: daly, failures_per_day: 86400 / M,
      waste_fraction: waste, lost_hours_per_day: 24 * Math.min(1, waste)
    };
  }

  // The widget's inputs (by field id, as read from the form) -> the formula's result.
  function compute(name, v, data) {
    var accel = null;
    if (v.accel) {
      accel = data.accelerators.filter(function (a) { return a.key === v.accel; })[0];
    }
    if (name === "train-memory") {
      return trainMemory({
        params: v.params, recipe: data.recipes[v.recipe], zero: Number(v.zero), tp: v.tp, pp: v.pp,
        dp: v.dp, layers: v.layers, hidden: v.hidden, heads: v.heads, seq: v.seq,
        microBatch: v.microBatch, recompute: v.recompute, capacity: accel.memory_gb * 1073741824
      });
    }
    if (name === "train-cost") {
      var peak = accel.tflops[v.dtype];
      if (typeof peak !== "number") throw new CalcError("accel", { field: "dtype" });
      return trainCost({ params: v.params, tokens: v.tokens, gpus: v.gpus, peakTflops: peak,
                         mfu: v.mfu / 100, price: v.price, flopsPerParamToken: 6 });
    }
    if (name === "kv-cache") {
      return kvServing({
        gpus: v.gpus, layers: v.layers, kvHeads: v.kvHeads, headDim: v.headDim,
        kvBytes: data.kv_dtype_bytes[v.kvDtype], context: v.context, params: v.params,
        weightBytes: v.weightBytes, memoryGb: accel.memory_gb, bwTbs: accel.memory_bw_tbs,
        memUtil: v.memUtil, bwEff: v.bwEff
      });
    }
    return checkpoint(v);
  }

  var F = { CalcError: CalcError, parseNumber: parseNumber, trainMemory: trainMemory,
            trainCost: trainCost, kvServing: kvServing, checkpoint: checkpoint,
            compute: compute };
  root.BookCalcFormulas = F;
  if (typeof module === "object" && module.exports) {
    module.exports = F;
    return;
  }

  // ------------------------------------------------------------------ words
  var T = {
    zh: {
      title: { "train-memory": "训练显存计算器（每张 GPU）", "train-cost": "训练时间与成本计算器",
               "kv-cache": "推理 KV 缓存与并发计算器", "checkpoint": "检查点间隔计算器" },
      intro: "修改任意输入，结果即时更新。", counts: "数量可写 70B、15T、7e10。",
      results: "结果", loading: "正在加载加速器数据……",
      loadFailed: "加速器数据加载失败，请刷新页面重试。",
      fixFields: "请先修正标出的输入。",
      err: {
        empty: "请填写一个数。", nan: "这不是一个数（例如 70B、7e10、0.4）。",
        int: "请填写整数。", min: "不能小于 {min}。", minEx: "必须大于 {min}。", max: "不能大于 {max}，请检查单位。",
        weights: "权重（{w}）放不进可用显存（{u}）：增加 GPU 或量化权重。",
        accel: "该加速器缺少这项数据，请换一个。"
      },
      yes: "放得下", no: "放不下",
      gib: "GiB", kib: "KiB", bytes: "字节", days: "天", hours: "小时", minutes: "分钟", seconds: "秒",
      perDay: "小时/天"
    },
    en: {
      title: { "train-memory": "Training memory per GPU calculator", "train-cost": "Training time and cost calculator",
               "kv-cache": "Inference KV cache and concurrency calculator", "checkpoint": "Checkpoint interval calculator" },
      intro: "Change any input and the results update at once.", counts: "Counts accept 70B, 15T, 7e10.",
      results: "Results", loading: "Loading accelerator figures…",
      loadFailed: "The accelerator figures could not be loaded; reload the page to try again.",
      fixFields: "Fix the marked inputs first.",
      err: {
        empty: "Enter a number.", nan: "Not a number (try 70B, 7e10 or 0.4).",
        int: "Enter a whole number.", min: "Must be at least {min}.", minEx: "Must be more than {min}.",
        max: "Must be at most {max}; check the unit.",
        weights: "The weights ({w}) do not fit in the usable memory ({u}): add GPUs or quantize the weights.",
        accel: "This accelerator lacks that figure; pick another."
      },
      yes: "fits", no: "does not fit",
      gib: "GiB", kib: "KiB", bytes: "bytes", days: "days", hours: "hours", minutes: "min", seconds: "s",
      perDay: "h/day"
    }
  };

  // Field kinds: count (suffixes allowed), int, float, select. Limits keep absurd values out.
  function L(zh, en) { return { zh: zh, en: en }; }
  var CALCS = {
    "train-memory": {
      fields: [
        { id: "params", kind: "count", def: "70B", min: 1e6, max: 1e14, label: L("参数量", "Parameters") },
        { id: "recipe", kind: "select", def: "mixed-adam", options: "recipes", label: L("精度与优化器", "Precision and optimizer") },
        { id: "zero", kind: "select", def: "3", options: "zero", label: L("ZeRO / FSDP 阶段", "ZeRO / FSDP stage") },
        { id: "tp", kind: "int", def: "1", min: 1, max: 4096, label: L("张量并行度 TP", "Tensor parallel (TP)") },
        { id: "pp", kind: "int", def: "1", min: 1, max: 4096, label: L("流水线并行度 PP", "Pipeline parallel (PP)") },
        { id: "dp", kind: "int", def: "64", min: 1, max: 1e6, label: L("数据并行度 DP（分片组大小）", "Data parallel (DP, sharding group)") },
        { id: "layers", kind: "int", def: "80", min: 1, max: 10000, label: L("层数", "Layers") },
        { id: "hidden", kind: "int", def: "8192", min: 1, max: 1e6, label: L("隐藏维度", "Hidden size") },
        { id: "heads", kind: "int", def: "64", min: 1, max: 1e5, label: L("注意力头数", "Attention heads") },
        { id: "seq", kind: "int", def: "8192", min: 1, max: 1e8, label: L("序列长度（token）", "Sequence length (tokens)") },
        { id: "microBatch", kind: "int", def: "1", min: 1, max: 1e5, label: L("micro-batch 大小", "Micro-batch size") },
        { id: "recompute", kind: "select", def: "full", options: "recompute", label: L("激活重计算", "Activation checkpointing") },
        { id: "accel", kind: "select", def: "h100-sxm", options: "accel:memory_gb", label: L("加速器", "Accelerator") }
      ],
      outputs: [
        ["weights", L("权重", "Weights"), "gib"], ["gradients", L("梯度", "Gradients"), "gib"],
        ["optimizer", L("优化器状态", "Optimizer states"), "gib"], ["activations", L("激活值", "Activations"), "gib"],
        ["total", L("合计", "Total"), "gib"], ["need", L("加 15 % 余量", "With 15 % headroom"), "gib"],
        ["capacity", L("加速器显存", "Accelerator memory"), "gib"], ["fits", L("结论", "Verdict"), "fits"]
      ]
    },
    "train-cost": {
      fields: [
        { id: "params", kind: "count", def: "70B", min: 1e6, max: 1e14, label: L("参数量", "Parameters") },
        { id: "tokens", kind: "count", def: "15T", min: 1e6, max: 1e16, label: L("训练 token 数", "Training tokens") },
        { id: "gpus", kind: "int", def: "4096", min: 1, max: 1e7, label: L("GPU 数量", "GPUs") },
        { id: "accel", kind: "select", def: "h100-sxm", options: "accel:bf16", label: L("加速器", "Accelerator") },
        { id: "dtype", kind: "select", def: "bf16", options: "dtype", label: L("计算精度（稠密峰值）", "Compute dtype (dense peak)") },
        { id: "mfu", kind: "float", def: "40", minEx: 0, max: 100, label: L("MFU（%）", "MFU (%)") },
        { id: "price", kind: "float", def: "2.5", min: 0, max: 10000, label: L("每 GPU 小时价格（美元）", "Price per GPU-hour (USD)") }
      ],
      outputs: [
        ["total_flops", L("训练 FLOPs（6ND）", "Training FLOPs (6ND)"), "sci"],
        ["achieved_tflops_per_gpu", L("每 GPU 实际 TFLOPS", "Achieved TFLOPS per GPU"), "num1"],
        ["gpu_hours", L("GPU 小时", "GPU-hours"), "num0"],
        ["wall_clock_days", L("墙钟时间（天）", "Wall-clock time (days)"), "num1"],
        ["cost", L("算力成本（美元）", "Compute cost (USD)"), "usd"]
      ]
    },
    "kv-cache": {
      fields: [
        { id: "accel", kind: "select", def: "h100-sxm", options: "accel:memory_bw_tbs", label: L("加速器", "Accelerator") },
        { id: "gpus", kind: "int", def: "8", min: 1, max: 1024, label: L("每个副本的 GPU 数（张量并行）", "GPUs per replica (tensor parallel)") },
        { id: "params", kind: "count", def: "70B", min: 1e6, max: 1e14, label: L("参数量", "Parameters") },
        { id: "weightBytes", kind: "float", def: "2", minEx: 0, max: 8, label: L("每个权重的字节数", "Bytes per weight") },
        { id: "layers", kind: "int", def: "80", min: 1, max: 10000, label: L("层数", "Layers") },
        { id: "kvHeads", kind: "int", def: "8", min: 1, max: 1e4, label: L("KV 头数", "KV heads") },
        { id: "headDim", kind: "int", def: "128", min: 1, max: 1e5, label: L("head_dim", "head_dim") },
        { id: "kvDtype", kind: "select", def: "bf16", options: "kvdtypes", label: L("KV 缓存数据类型", "KV cache dtype") },
        { id: "context", kind: "int", def: "8192", min: 1, max: 1e8, label: L("每个请求的上下文（token）", "Context per request (tokens)") },
        { id: "memUtil", kind: "float", def: "0.9", minEx: 0, max: 1, label: L("可用显存比例（0–1）", "Usable memory share (0–1)") },
        { id: "bwEff", kind: "float", def: "1", minEx: 0, max: 1, label: L("带宽效率（0–1）", "Bandwidth efficiency (0–1)") }
      ],
      outputs: [
        ["kv_bytes_per_token", L("每个 token 的 KV 缓存", "KV cache per token"), "kib"],
        ["kv_bytes_per_request", L("每个请求的 KV 缓存", "KV cache per request"), "gib"],
        ["weights_bytes", L("权重", "Weights"), "gib"],
        ["kv_budget_bytes", L("KV 缓存可用空间", "KV cache budget"), "gib"],
        ["max_requests", L("满上下文最大并发请求数", "Max concurrent requests at full context"), "int"],
        ["decode1.tokens_per_s_per_request", L("解码上限：batch 1（token/s）", "Decode bound at batch 1 (tokens/s)"), "num0"],
        ["decodeMax.tokens_per_s_total", L("解码上限：满并发合计（token/s）", "Decode bound at max batch, total (tokens/s)"), "num0"]
      ]
    },
    "checkpoint": {
      fields: [
        { id: "saveSeconds", kind: "float", def: "60", minEx: 0, max: 1e6, label: L("一次保存阻塞训练的时间（秒）", "Time one save blocks training (s)") },
        { id: "mtbfHours", kind: "float", def: "24", minEx: 0, max: 1e6, label: L("整个作业的平均故障间隔 MTBF（小时）", "Mean time between failures of the job (h)") },
        { id: "restartMinutes", kind: "float", def: "10", min: 0, max: 1e5, label: L("每次故障的重启时间（分钟）", "Restart time per failure (min)") }
      ],
      outputs: [
        ["young_s", L("Young 间隔", "Young interval"), "dur"],
        ["daly_s", L("Daly 间隔（推荐）", "Daly interval (use this)"), "dur"],
        ["failures_per_day", L("每天故障次数", "Failures per day"), "num2"],
        ["waste_fraction", L("损失比例", "Share of time lost"), "pct"],
        ["lost_hours_per_day", L("每天损失（小时）", "Lost per day (hours)"), "num2"]
      ]
    }
  };

  // ------------------------------------------------------------------ widget
  var counter = 0;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text != null) node.textContent = text;
    return node;
  }

  function fmtNumber(lang, value, digits) {
    return value.toLocaleString(lang === "zh" ? "zh-CN" : "en-US",
      { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }

  function format(lang, kind, value) {
    var t = T[lang];
    switch (kind) {
      case "gib": return fmtNumber(lang, value / 1073741824, 2) + " " + t.gib;
      case "kib": return fmtNumber(lang, value / 1024, 1) + " " + t.kib;
      case "int": return fmtNumber(lang, value, 0);
      case "num0": return fmtNumber(lang, value, 0);
      case "num1": return fmtNumber(lang, value, 1);
      case "num2": return fmtNumber(lang, value, 2);
      case "pct": return fmtNumber(lang, value * 100, 1) + " %";
      case "usd": return "$" + fmtNumber(lang, value, 0);
      case "sci": return value.toExponential(3);
      case "fits": return value ? "✓ " + t.yes : "✗ " + t.no;
      case "dur":
        if (value < 3600) return fmtNumber(lang, value / 60, 1) + " " + t.minutes;
        return fmtNumber(lang, value / 3600, 2) + " " + t.hours;
      default: return String(value);
    }
  }

  function pick(obj, path) {
    return path.split(".").reduce(function (o, k) { return o[k]; }, obj);
  }

  function options(spec, data, lang) {
    var name = spec.options.split(":")[0];
    if (name === "accel") {
      var need = spec.options.split(":")[1];
      return data.accelerators.filter(function (a) {
        return typeof (need === "bf16" ? a.tflops.bf16 : a[need]) === "number";
      }).map(function (a) { return [a.key, a.vendor + " " + a.model]; });
    }
    if (name === "recipes") {
      return Object.keys(data.recipes).map(function (k) {
        var r = data.recipes[k];
        return [k, k + " (" + (r[0] + r[1] + r[2]) + (lang === "zh" ? " 字节/参数)" : " bytes/param)")];
      });
    }
    if (name === "kvdtypes") return Object.keys(data.kv_dtype_bytes).map(function (k) { return [k, k]; });
    if (name === "zero") return [["0", "0"], ["1", "1"], ["2", "2"], ["3", "3 (FSDP full shard)"]];
    if (name === "dtype") return [["bf16", "BF16"], ["fp8", "FP8"]];
    if (name === "recompute") {
      return lang === "zh"
        ? [["none", "不重计算"], ["selective", "选择性（或 FlashAttention）"], ["full", "完全重计算"]]
        : [["none", "none"], ["selective", "selective (or FlashAttention)"], ["full", "full"]];
    }
    return [];
  }

  // Limits in messages as a reader would type them: 1M, 100T, 1,024.
  function limit(lang, value, spec) {
    if (spec.kind === "count") {
      var units = [["T", 1e12], ["B", 1e9], ["M", 1e6]];
      for (var i = 0; i < units.length; i++) {
        if (value >= units[i][1]) return String(value / units[i][1]) + units[i][0];
      }
    }
    return fmtNumber(lang, value, value % 1 ? 2 : 0);
  }

  function message(lang, code, spec) {
    var text = T[lang].err[code] || code;
    return text.replace("{min}", limit(lang, spec.min != null ? spec.min : spec.minEx, spec))
               .replace("{max}", limit(lang, spec.max, spec));
  }

  function readField(spec, input) {
    if (spec.kind === "select") return input.value;
    var value = parseNumber(input.value, spec.kind === "count");
    if (spec.kind === "int" && Math.floor(value) !== value) throw new CalcError("int");
    if (spec.min != null && value < spec.min) throw new CalcError("min");
    if (spec.minEx != null && value <= spec.minEx) throw new CalcError("minEx");
    if (spec.max != null && value > spec.max) throw new CalcError("max");
    return value;
  }

  function build(box, data) {
    var name = box.getAttribute("data-calc");
    var def = CALCS[name];
    var lang = (document.documentElement.lang || "zh").slice(0, 2) === "en" ? "en" : "zh";
    var t = T[lang];
    var uid = "book-calc-" + (++counter);
    var form = el("form", { "class": "book-calc__form", "aria-labelledby": uid + "-title", novalidate: "" });
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    form.appendChild(el("p", { "class": "book-calc__title", id: uid + "-title" }, t.title[name]));
    var hasCounts = def.fields.some(function (spec) { return spec.kind === "count"; });
    form.appendChild(el("p", { "class": "book-calc__intro" }, t.intro + (hasCounts ? (lang === "zh" ? "" : " ") + t.counts : "")));
    var grid = el("div", { "class": "book-calc__fields" });
    var inputs = {};
    def.fields.forEach(function (spec) {
      var id = uid + "-" + spec.id;
      var wrap = el("div", { "class": "book-calc__field" });
      wrap.appendChild(el("label", { "for": id }, spec.label[lang]));
      var input;
      if (spec.kind === "select") {
        input = el("select", { id: id, name: spec.id });
        options(spec, data, lang).forEach(function (o) {
          var opt = el("option", { value: o[0] }, o[1]);
          if (o[0] === spec.def) opt.selected = true;
          input.appendChild(opt);
        });
      } else {
        input = el("input", { id: id, name: spec.id, type: "text", autocomplete: "off", spellcheck: "false",
                              inputmode: spec.kind === "count" ? "text" : "decimal",
                              "aria-describedby": id + "-error" });
        input.value = spec.def;
      }
      wrap.appendChild(input);
      wrap.appendChild(el("span", { "class": "book-calc__error", id: id + "-error" }));
      grid.appendChild(wrap);
      inputs[spec.id] = input;
    });
    form.appendChild(grid);

    var out = el("div", { "class": "book-calc__results", role: "status", "aria-live": "polite" });
    var table = el("table", { "class": "book-calc__out" });
    table.appendChild(el("caption", {}, t.results));
    var body = el("tbody");
    var cells = {};
    def.outputs.forEach(function (o) {
      var row = el("tr", { "data-key": o[0] });
      row.appendChild(el("th", { scope: "row" }, o[1][lang]));
      cells[o[0]] = el("td");
      row.appendChild(cells[o[0]]);
      body.appendChild(row);
    });
    table.appendChild(body);
    var problem = el("p", { "class": "book-calc__problem" });
    out.appendChild(problem);
    out.appendChild(table);
    form.appendChild(out);

    function update() {
      var values = {}, bad = false;
      def.fields.forEach(function (spec) {
        var input = inputs[spec.id], error = document.getElementById(input.id + "-error");
        try {
          values[spec.id] = readField(spec, input);
          if (error) error.textContent = "";
          input.removeAttribute("aria-invalid");
        } catch (e) {
          if (!(e instanceof CalcError)) throw e;
          bad = true;
          if (error) error.textContent = message(lang, e.code, spec);
          input.setAttribute("aria-invalid", "true");
        }
      });
      var result = null;
      if (!bad) {
        try {
          result = compute(name, values, data);
        } catch (e) {
          if (!(e instanceof CalcError)) throw e;
          problem.textContent = e.code === "weights"
            ? t.err.weights.replace("{w}", format(lang, "gib", e.detail.weights))
                           .replace("{u}", format(lang, "gib", e.detail.usable))
            : t.err[e.code] || e.code;
        }
      } else {
        problem.textContent = t.fixFields;
      }
      box.classList.toggle("book-calc--invalid", !result);
      def.outputs.forEach(function (o) {
        var value = result ? pick(result, o[0]) : null;
        var ok = result && (typeof value === "boolean" || isFinite(value));
        cells[o[0]].textContent = ok ? format(lang, o[2], value) : "—";
      });
      if (result) problem.textContent = "";
      if (result && name === "train-memory") {
        table.querySelector('[data-key="fits"]').className = result.fits ? "book-calc__yes" : "book-calc__no";
      }
    }

    form.addEventListener("input", update);
    form.addEventListener("change", update);
    box.insertBefore(form, box.firstChild);
    box.classList.add("book-calc--live");
    update();
  }

  function start() {
    var boxes = Array.prototype.slice.call(document.querySelectorAll(".book-calc[data-calc]"));
    if (!boxes.length) return;
    var byUrl = {};
    boxes.forEach(function (box) {
      if (box.classList.contains("book-calc--live") || !CALCS[box.getAttribute("data-calc")]) return;
      var src = box.getAttribute("data-src");
      (byUrl[src] = byUrl[src] || []).push(box);
    });
    Object.keys(byUrl).forEach(function (src) {
      fetch(src).then(function (r) {
        if (!r.ok) throw new Error(String(r.status));
        return r.json();
      }).then(function (data) {
        byUrl[src].forEach(function (box) { build(box, data); });
      }).catch(function () {
        byUrl[src].forEach(function (box) {
          var lang = (document.documentElement.lang || "zh").slice(0, 2) === "en" ? "en" : "zh";
          var note = el("p", { "class": "book-calc__problem", role: "status" }, T[lang].loadFailed);
          box.insertBefore(note, box.firstChild);
        });
      });
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})(typeof globalThis !== "undefined" ? globalThis : this);
