#!/bin/sh
# ctest server.page_in_headless_chromium: n2v serve's page in a real browser. Trains a model on
# ml-latest-small, starts `n2v serve --port 0`, has headless chromium load /, search "Matrix" and
# choose "Matrix, The (1999)" (the page's ?search=&select= does what a user does), and reads the
# neighbours from the DOM after the script ran: the first must be n2v similar's first. Then SIGHUP
# must reload the model and SIGTERM stop the server cleanly (exit 0). Exit 77 (ctest's skip)
# without chromium, or without ml-latest-small outside CI.
#   tests/server/test_page.sh N2V_BINARY SHARED_DATA_DIR WORK_DIR
set -u
n2v="$1" data="$2/ml-latest-small" work="$3"
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
[ -n "$browser" ] || { echo "skipped: no chromium"; exit 77; }
if [ ! -f "$data/ratings.csv" ]; then
  [ -n "${CI:-}" ] && { echo "FAIL: CI needs $data"; exit 1; }
  echo "skipped: $data not found"; exit 77
fi
rm -rf "$work" && mkdir -p "$work" || exit 1
fail() { echo "FAIL: $*"; [ -f "$work/serve.log" ] && cat "$work/serve.log"; kill "$server" 2>/dev/null; exit 1; }
"$n2v" train --data-dir "$data" --out "$work/run" --epochs 1 --set export.onnx=false >"$work/train.log" 2>&1 ||
  { cat "$work/train.log"; echo "FAIL: train"; exit 1; }
"$n2v" serve --model "$work/run/model.pt" --port 0 >"$work/serve.log" 2>&1 &
server=$!
port=""
for _ in $(seq 1 300); do
  port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$work/serve.log")
  [ -n "$port" ] && break
  kill -0 "$server" 2>/dev/null || fail "n2v serve exited"
  sleep 0.1
done
[ -n "$port" ] || fail "n2v serve did not log its address"

url="http://127.0.0.1:$port/?search=Matrix&select=Matrix,%20The%20(1999)"
timeout 120 "$browser" --headless=new --no-sandbox --disable-gpu --no-first-run --user-data-dir="$work/profile" \
  --virtual-time-budget=15000 --dump-dom "$url" >"$work/dom.html" 2>"$work/chromium.log" || fail "chromium: $(tail -3 "$work/chromium.log")"
grep -q 'data-state="ready"' "$work/dom.html" || fail "the page never showed neighbours"
grep -q '<h2 id="chosen-title">Matrix, The (1999)</h2>' "$work/dom.html" || fail "Matrix, The (1999) was not chosen"
neighbours=$(grep -o '<ol id="neighbors"[^>]*>.*</ol>' "$work/dom.html" | sed 's|</ol>.*||' | grep -o '<li data-id' | wc -l)
[ "$neighbours" -eq 12 ] || fail "$neighbours neighbours in the DOM, expected 12"
first_in_dom=$(grep -o '<ol id="neighbors"[^>]*><li data-id="[0-9]*"><span class="title">[^<]*' "$work/dom.html" | sed 's|.*<span class="title">||; s|&amp;|\\\&|g')
# n2v similar lists the query first, then its nearest movie.
first_by_cli=$("$n2v" similar --model "$work/run/model.pt" --movie-id 2571 -k 2 | sed -n 's/^- \(.*\)  [0-9.]*$/\1/p' | sed -n 2p)
[ -n "$first_in_dom" ] && [ "$first_in_dom" = "$first_by_cli" ] || fail "first neighbour '$first_in_dom', n2v similar says '$first_by_cli'"
echo "ok: the page chose Matrix, The (1999); 12 neighbours, the first '$first_in_dom' as n2v similar"

kill -HUP "$server"
for _ in $(seq 1 100); do grep -q "reloaded: .*(generation 2)" "$work/serve.log" && break; sleep 0.1; done
grep -q "reloaded: .*(generation 2)" "$work/serve.log" || fail "SIGHUP did not reload the model"
kill -TERM "$server"
wait "$server"
status=$?
[ "$status" -eq 0 ] || fail "n2v serve exited $status after SIGTERM"
grep -q "serve: stopped" "$work/serve.log" || fail "no 'stopped' line"
echo "ok: SIGHUP reloaded, SIGTERM stopped cleanly"
