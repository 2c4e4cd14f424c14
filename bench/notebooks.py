"""The bench notebooks: one per way of showing the stream, generated at run time.

Each notebook holds, in order: a title, an optional setup cell, a warm-up cell
(the same code against a tiny answer, run once so that imports and the Go build
cache are warm), and one cell per configuration (rate, answer length), each
pointing at its own bench-mode provider. Only the provider's address changes
from one configuration cell to the next.

The three ways:
  a  helpers.ShowStream: the Markdown display of the helpers (GoNB kernel).
  b  the lesson's plain mirror loop: stream.Recv and a helpers.Printer (GoNB).
  c  the original Python lesson: the openai package and
     print(token, end='', flush=True) (ipykernel), verbatim but for base_url.
"""
import json
import os

MODEL = "openai/gpt-oss-120b:free"
SYSTEM = (
    "You are an expert in dogs, based in Mongolia. Your role is to provide helpful information to "
    "students who want to learn more about keeping dogs at home. Answer in a concise but friendly manner."
)
USER = "How many times a day should I feed my Mongolian Bankhar, and what food is best?"

WAYS = {
    "a": "Go: helpers.ShowStream (Markdown display)",
    "b": "Go: plain mirror loop (Recv + helpers.Printer)",
    "c": "Python original (openai + print(flush=True))",
}
KERNELS = {
    "gonb": {"name": "gonb", "display_name": "Go (gonb)", "language": "go"},
    "python3": {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"},
}

GO_SETUP = f"""import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/sashabaranov/go-openai"

	"github.com/k12notebooks/golessons/helpers"
)

// MODEL is the name of the AI model on OpenRouter.
const MODEL = "{MODEL}"

// The conversation we send to the model.
var messages = []openai.ChatCompletionMessage{{
	{{Role: openai.ChatMessageRoleSystem, Content: {json.dumps(SYSTEM)}}},
	{{Role: openai.ChatMessageRoleUser, Content: {json.dumps(USER)}}},
}}
"""

# The lesson's client and request, with OPENAI_BASE_URL (the configuration
# contract) pointing helpers.Connect at this configuration's provider.
GO_REQUEST = """%%
os.Setenv("OPENAI_BASE_URL", "{base_url}") // bench: this configuration's provider
config := openai.DefaultConfig(helpers.APIKey())
config.BaseURL = "https://openrouter.ai/api/v1"
client := openai.NewClientWithConfig(helpers.Connect(config))

ctx := helpers.Context() // the ■ button stops the request
stream, err := client.CreateChatCompletionStream(ctx, openai.ChatCompletionRequest{{
	Model:    MODEL,
	Messages: messages,
	Stream:   true,
}})
if err != nil {{
	helpers.ShowError(err)
	return
}}
"""

GO_SHOW = GO_REQUEST + """helpers.ShowStream(ctx, stream)
"""

GO_MIRROR = GO_REQUEST + """defer stream.Close()

out := helpers.NewPrinter() // prints the text in small batches, so Jupyter keeps up
defer out.Close()
for {{
	chunk, err := stream.Recv()
	if errors.Is(err, io.EOF) {{
		break // the answer is complete
	}}
	if err != nil {{
		helpers.ShowError(err)
		return
	}}
	// Each chunk contains a delta with the new content
	if len(chunk.Choices) > 0 {{
		fmt.Fprint(out, chunk.Choices[0].Delta.Content)
	}}
}}
"""

# The seed lesson's cell verbatim, except base_url (this configuration's
# provider) and api_key (no key is needed).
PY_ORIGINAL = """import openai
import os

client = openai.OpenAI(
  base_url='{base_url}',
   api_key='bench-no-key'
)

MODEL = "openai/gpt-oss-120b:free" #@param ["openai/gpt-oss-120b:free"]

response = client.chat.completions.create(
  model=MODEL,
  messages=[
    {{"role": "system", "content": "{system}"}},
    {{"role": "user", "content": "{user}"}},
  ], 
  stream=True
)

for chunk in response:
  # Each chunk contains a delta with the new content
  if chunk.choices[0].delta.content is not None:
    token = chunk.choices[0].delta.content
    print(token, end='', flush=True)
"""


# The floor of "Run to first visible token": a cell that prints one bench
# token stamped with the time it runs, with no request at all.
GO_FLOOR = """%%
fmt.Printf("\u27e6%d|%d\u27e7\\n", 0, time.Now().UnixMicro()) // bench: the kernel's own floor
"""
PY_FLOOR = """import time
print(f"\u27e6{0}|{time.time_ns() // 1000}\u27e7")  # bench: the kernel's own floor
"""


def way_kernel(way):
    return "python3" if way == "c" else "gonb"


def stream_cell(way, base_url):
    """The source of the cell that streams one answer from base_url."""
    if way == "a":
        return GO_SHOW.format(base_url=base_url)
    if way == "b":
        return GO_MIRROR.format(base_url=base_url)
    if way == "c":
        return PY_ORIGINAL.format(base_url=base_url, system=SYSTEM, user=USER)
    raise ValueError(f"unknown way {way!r}")


def _cell(kind, source):
    c = {"cell_type": kind, "metadata": {}, "source": source}
    if kind == "code":
        c["execution_count"] = None
        c["outputs"] = []
    return c


def build(way, warmup_url, configs):
    """A notebook for one way.

    configs is a list of (label, base_url). Returns (notebook, cell_index)
    where cell_index maps "setup", "warmup" and each label to its cell's index.
    """
    cells = [_cell("markdown", f"# Benchmark, way {way}: {WAYS[way]}\n\nGenerated by bench/run.py; do not edit.")]
    index = {}
    if way in ("a", "b"):
        index["setup"] = len(cells)
        cells.append(_cell("code", GO_SETUP))
    index["warmup"] = len(cells)
    cells.append(_cell("code", stream_cell(way, warmup_url)))
    for label, url in configs:
        index[label] = len(cells)
        cells.append(_cell("code", stream_cell(way, url)))
    if way in ("b", "c"):
        index["floor"] = len(cells)
        cells.append(_cell("code", GO_FLOOR if way == "b" else PY_FLOOR))
    # Not measured: Shift+Enter on the last cell would also insert a new cell.
    cells.append(_cell("markdown", "End of the benchmark cells."))
    kernel = KERNELS[way_kernel(way)]
    nb = {
        "cells": cells,
        "metadata": {
            "kernelspec": kernel,
            "language_info": {"name": kernel["language"]},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    for i, c in enumerate(nb["cells"]):
        c["id"] = f"bench-{way}-{i}"
    return nb, index


def write(path, nb):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        json.dump(nb, f, indent=1, ensure_ascii=False)
        f.write("\n")
