# Shared by scripts/run and scripts/test: make .venv and install what ivig_home needs.
ensure_venv() {
    local extras="${1:-}"
    if [ ! -x .venv/bin/python ]; then
        python3 -m venv .venv
    fi
    # shellcheck disable=SC1091
    source .venv/bin/activate
    local stamp=".venv/.installed${extras:+-$extras}"
    if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ requirements.lock -nt "$stamp" ]; then
        python -m pip install --quiet --disable-pip-version-check --upgrade pip
        python -m pip install --quiet --disable-pip-version-check -r requirements.lock
        python -m pip install --quiet --disable-pip-version-check --no-deps -e ".${extras:+[$extras]}"
        touch "$stamp"
    fi
    # The translations: compiled catalogues (.mo) are not kept in git. The app also compiles
    # a missing or older one as it starts (ivig_home.i18n.compile_catalogs).
    pybabel --quiet compile --directory ivig_home/translations
}
