#!/usr/bin/env bash
# Install what the real-browser and export tests need from Debian's packages, only when missing:
#   chromium (Playwright and kaleido drive /usr/bin/chromium; no browser download),
#   fonts-noto-cjk (without it every Chinese character renders as a box),
#   libreoffice-calc-nogui (opens the exported workbooks the way analysts' tools do),
#   libreoffice-impress-nogui / libreoffice-writer-nogui (convert the pack's deck and DOCX to PDF:
#   calc-nogui alone has no impress/writer import filters),
#   poppler-utils (pdftoppm renders the converted PDF pages the tests look at).
set -euo pipefail
need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
fc-list :lang=zh 2>/dev/null | grep -q . || need+=(fonts-noto-cjk)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
dpkg -s libreoffice-impress-nogui >/dev/null 2>&1 || dpkg -s libreoffice-impress >/dev/null 2>&1 || need+=(libreoffice-impress-nogui)
dpkg -s libreoffice-writer-nogui >/dev/null 2>&1 || dpkg -s libreoffice-writer >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
if [ ${#need[@]} -eq 0 ]; then
  echo "system deps: chromium, CJK font, LibreOffice (calc, impress, writer) and poppler present"
  exit 0
fi
echo "system deps: installing ${need[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" fontconfig >/dev/null
fc-cache -f >/dev/null 2>&1 || true
