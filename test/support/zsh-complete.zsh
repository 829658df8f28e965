# Completes command lines with the real zsh completion system, as a user pressing Tab would, and prints the
# matches offered for each: a line "== LINE", then one match per line.
#   usage: zsh -f zsh-complete.zsh FPATH_DIR WORKFILE 'rmnetctl up --a' 'rmnetctl run ' ...
# One interactive zsh runs in a pseudo-terminal (zsh/zpty) with compinit and the _rmnetctl under test;
# compadd is wrapped to append what it is given to WORKFILE (the terminal's output is not parsed), and a key
# bound after Tab writes a marker so the reader knows that completion has finished.
zmodload zsh/zpty
local dir=$1 out=$2 line
shift 2
zpty z zsh -f -i
zpty -w z "fpath=($dir \$fpath); autoload -Uz compinit; compinit -u -D; rmnetctl() { :; }"
zpty -w z "compadd() { if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then builtin compadd \"\$@\"; return; fi; typeset -a h; builtin compadd -A h \"\$@\"; (( \$#h )) || return 1; builtin print -rl -- \$h >> $out; }"
zpty -w z "bindkey '^I' complete-word; finish() { builtin print -r -- '<<done>>' >> $out; zle kill-whole-line; }; zle -N finish; bindkey '^X' finish"
for line in "$@"; do
  : > $out
  zpty -n -w z "$line"$'\t\x18'
  integer i=0
  while (( i++ < 400 )) && ! grep -q '<<done>>' $out 2>/dev/null; do zpty -r -t z _ignored; sleep 0.02; done
  grep -q '<<done>>' $out || { print -u2 "zsh-complete: no answer for: $line"; zpty -d z; exit 1 }
  print -r -- "== $line"
  grep -v '<<done>>' $out
done
zpty -d z
exit 0
