# The bash completion file: valid bash, completes commands, options and values, and offers every
# option that each subcommand's --help documents (so the two cannot drift apart).
. "$(dirname "$0")/lib.sh"

COMP="$PT_SOURCE_DIR/cli/pam-totp.bash-completion"
check "the completion file is valid bash" bash -n "$COMP"

# complete WORDS...: what the completion offers for the last word.
complete_words() {
    bash -c '
        source "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
        _pam_totp 2>/dev/null; printf "%s\n" "${COMPREPLY[@]}"' _ "$COMP" "$@" | sort | tr '\n' ' '
}

expect_eq "commands" "$(complete_words pam-totp '')" \
    "--config --help --service --version backup-codes devices disable doctor enrol import list migrate remove-device reset status unlock "
expect_eq "a prefix" "$(complete_words pam-totp ba)" "backup-codes "
expect_eq "after --config PATH" "$(complete_words pam-totp --config /x un)" "unlock "
expect_eq "--qr values" "$(complete_words pam-totp enrol --qr '')" "ansi none utf8 "
expect_eq "--qr= values" "$(complete_words pam-totp enrol --qr=a)" "ansi "
expect_eq "user names for reset" "$(complete_words pam-totp reset roo)" "root "
expect_eq "--code offers only - (standard input)" "$(complete_words pam-totp disable --code '')" "- "
expect_eq "--verify offers only -" "$(complete_words pam-totp enrol --verify '')" "- "
expect_eq "user names for --user" "$(complete_words pam-totp status --user roo)" "root "
expect_eq "a bare user name for status" "$(complete_words pam-totp status roo)" "root "
expect_eq "after --service NAME" "$(complete_words pam-totp --service sudo doc)" "doctor "
expect_eq "--ignore names doctor checks" "$(complete_words pam-totp doctor --ignore clock)" "clock_unsynchronised "
expect_eq "import sources" "$(complete_words pam-totp import '')" "--help google-authenticator oath "
expect_eq "import oath options" "$(complete_words pam-totp import oath --)" "--all --config --file --force --help --json --user "
expect_eq "import google-authenticator options" "$(complete_words pam-totp import google-authenticator --f)" "--force "
expect_eq "a prefix of remove-device" "$(complete_words pam-totp rem)" "remove-device "

for cmd in enrol status devices remove-device disable backup-codes reset unlock list migrate doctor; do
    offered=$(complete_words pam-totp "$cmd" --)
    documented=$("$PT_CLI" "$cmd" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u)
    missing=""
    for o in $documented; do
        case " $offered " in *" $o "* | *" $o= "*) ;; *) missing+="$o " ;; esac
    done
    expect_eq "$cmd: every option of --help is completed" "$missing" ""
done
for src in google-authenticator oath; do
    offered=$(complete_words pam-totp import "$src" --)
    missing=""
    for o in $("$PT_CLI" import "$src" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
        case " $offered " in *" $o "*) ;; *) missing+="$o " ;; esac
    done
    expect_eq "import $src: every option of --help is completed" "$missing" ""
done

finish
