#!/bin/sh
# Real legacy applications from Debian, as installed, behind h2cgi alone:
# gitweb (/usr/lib/cgi-bin, a symlink into /usr/share/gitweb) with its
# static files, cgit with its stylesheet, git-http-backend for a clone and a
# push over HTTP/2, and gitweb's page in headless Chromium.
. "$(dirname "$0")/lib.sh"
need curl git
[ -e /usr/lib/cgi-bin/gitweb.cgi ] || skip_all "gitweb not installed (tools/deps.sh)"
[ -x /usr/lib/cgit/cgit.cgi ] || skip_all "cgit not installed (tools/deps.sh)"
GHB=/usr/lib/git-core/git-http-backend
[ -x "$GHB" ] || skip_all "git-http-backend not installed"

# a repository with a README and a second file
export GIT_CONFIG_NOSYSTEM=1 HOME="$WORK"
git config --global user.name tester
git config --global user.email tester@example.org
git config --global init.defaultBranch master
git init -q "$WORK/src"
printf 'hello from the demo repository\n' > "$WORK/src/README"
printf 'int main(void) { return 0; }\n' > "$WORK/src/main.c"
git -C "$WORK/src" add . && git -C "$WORK/src" commit -qm "first commit"
mkdir -p "$WORK/repos" "$WORK/tmp"
git clone -q --bare "$WORK/src" "$WORK/repos/demo.git"
git -C "$WORK/repos/demo.git" config http.receivepack true
printf 'Demo repository\n' > "$WORK/repos/demo.git/description"

cat > "$WORK/gitweb.conf" <<EOF
\$projectroot = "$WORK/repos";
\$git_temp = "$WORK/tmp";
EOF
cat > "$WORK/cgitrc" <<EOF
css=/cgit-css/cgit.css
logo=/cgit-css/cgit.png
cache-size=0
snapshots=tar.gz
repo.url=demo.git
repo.path=$WORK/repos/demo.git
repo.desc=Demo repository
EOF
mkdir -p "$WORK/gitcgi"
printf '#!/bin/sh\nexec %s\n' "$GHB" > "$WORK/gitcgi/git"
chmod 755 "$WORK/gitcgi/git"

start_h2cgi --access-log "$WORK/access.log" \
    --route /cgi-bin/ --cgi-dir /usr/lib/cgi-bin --env "GITWEB_CONFIG=$WORK/gitweb.conf" --pass-env PATH \
    --route /cgi-bin/static/ --static /usr/share/gitweb/static \
    --route /cgit/ --cgi-dir /usr/lib/cgit --env "CGIT_CONFIG=$WORK/cgitrc" \
    --route /cgit-css/ --static /usr/share/cgit \
    --route /git/ --cgi-dir "$WORK/gitcgi" --env "GIT_PROJECT_ROOT=$WORK/repos" \
    --env GIT_HTTP_EXPORT_ALL=1 --pass-env PATH --pass-env HOME

# gitweb
GW="$URL/cgi-bin/gitweb.cgi"
page=$($CURL "$GW?p=demo.git;a=summary")
like "$page" "Demo repository" "gitweb: the summary page"
like "$page" 'href="static/gitweb\.css"' "gitweb: it links its stylesheet"
h=$($CURL -D - -o /dev/null "$URL/cgi-bin/static/gitweb.css" | tr -d '\r')
like "$(printf '%s\n' "$h" | head -1)" " 200" "gitweb: the stylesheet is served (static route inside the CGI prefix)"
is "$(printf '%s\n' "$h" | sed -n 's/^content-type: //p')" "text/css" "gitweb: as text/css"
is "$($CURL -o /dev/null -w '%{http_code}' "$URL/cgi-bin/static/git-logo.png")" "200" "gitweb: the logo"
is "$($CURL "$GW?p=demo.git;a=blob_plain;f=README;hb=HEAD")" "hello from the demo repository" "gitweb: a blob"
$CURL -o "$WORK/gw.tgz" "$GW?p=demo.git;a=snapshot;h=HEAD;sf=tgz"
is "$(tar tzf "$WORK/gw.tgz" 2>&1 | sed 's|^[^/]*/||' | grep -v '^$' | sort | tr '\n' ' ')" "README main.c " \
    "gitweb: a snapshot download (tar.gz)"

# Debian's /usr/lib/cgi-bin/php is php-cgi itself: it must not run (or
# show) another file of the directory through PATH_TRANSLATED
if [ -e /usr/lib/cgi-bin/php ]; then
    got=$($CURL "$URL/cgi-bin/php/gitweb.cgi")
    is "$(printf '%s' "$got" | grep -c 'use strict')" "0" "/cgi-bin/php/gitweb.cgi does not disclose gitweb.cgi"
    is "$($CURL -o /dev/null -w '%{http_code}' "$URL/cgi-bin/php/gitweb.cgi")" "502" \
        "php-cgi keeps its own refusal (no REDIRECT_STATUS for a binary; its headerless alert is a 502)"
fi

# cgit
page=$($CURL "$URL/cgit/cgit.cgi/demo.git/")
like "$page" "Demo repository" "cgit: the summary page"
like "$page" "/cgit-css/cgit\.css" "cgit: it links its stylesheet"
is "$($CURL -o /dev/null -w '%{http_code} %{content_type}' "$URL/cgit-css/cgit.css")" "200 text/css" "cgit: the stylesheet"
is "$($CURL "$URL/cgit/cgit.cgi/demo.git/plain/README")" "hello from the demo repository" "cgit: a blob"
$CURL -o "$WORK/cgit.tgz" "$URL/cgit/cgit.cgi/demo.git/snapshot/demo-master.tar.gz"
is "$(tar tzf "$WORK/cgit.tgz" 2>&1 | sed 's|^[^/]*/||' | grep -v '^$' | sort | tr '\n' ' ')" "README main.c " \
    "cgit: a snapshot download"

# git-http-backend: clone and push over HTTP/2 (smart HTTP, chunked pushes)
export GIT_SSL_NO_VERIFY=1
git -c http.version=HTTP/2 clone -q "$URL/git/git/demo.git" "$WORK/clone" 2>"$WORK/git.err"
is "$(cat "$WORK/clone/README" 2>&1)" "hello from the demo repository" "git clone over HTTP/2"
printf 'pushed\n' > "$WORK/clone/NEW"
git -C "$WORK/clone" add NEW && git -C "$WORK/clone" commit -qm "pushed over h2"
git -C "$WORK/clone" -c http.version=HTTP/2 push -q origin master 2>>"$WORK/git.err"
is "$(git -C "$WORK/repos/demo.git" log -1 --format=%s master 2>&1)" "pushed over h2" "git push over HTTP/2"
like "$(grep 'git-receive-pack' "$WORK/access.log")" '"POST /git/git/demo\.git/git-receive-pack HTTP/2\.0" 200' \
    "the push went over HTTP/2 (access log)"

# gitweb in a real browser: the page and its stylesheet over HTTP/2
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$CHROME" ]; then
    : > "$WORK/access.log.mark"
    before=$(wc -l < "$WORK/access.log")
    timeout 90 "$CHROME" --headless=new --no-sandbox --disable-gpu --ignore-certificate-errors \
        --user-data-dir="$WORK/chrome" --window-size=1024,768 --screenshot="$WORK/gitweb.png" \
        "$GW?p=demo.git;a=summary" >/dev/null 2>&1
    tail -n +$((before + 1)) "$WORK/access.log" > "$WORK/chrome.log"
    like "$(cat "$WORK/chrome.log")" '"GET /cgi-bin/static/gitweb\.css HTTP/2\.0" 200 .*Chrome' \
        "Chromium fetched gitweb's stylesheet over HTTP/2"
    ok "$([ "$(stat -c %s "$WORK/gitweb.png" 2>/dev/null || echo 0)" -gt 10000 ]; echo $?)" \
        "Chromium drew the page ($WORK/gitweb.png)"
else
    echo "ok $((T = T + 1)) - # SKIP chromium not installed (tools/deps.sh)"
    echo "ok $((T = T + 1)) - # SKIP chromium not installed (tools/deps.sh)"
fi
stop_h2cgi
echo "1..$T"
[ "$FAILS" -eq 0 ]
