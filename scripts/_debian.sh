# Sourced by the scripts that need a program from a Debian package (postgres.sh, wrk.sh).
#
#   debian_install SCRIPT PACKAGE   install Debian's PACKAGE quietly, as root; otherwise stop
#                                   and say how to install it
debian_install() {
    local script=$1 package=$2
    if [[ $(id -u) -ne 0 ]]; then
        echo "$script: Debian's $package package is missing; install it (sudo apt-get install $package) and run again" >&2
        exit 1
    fi
    echo "$script: installing Debian's $package package" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq </dev/null >&2
    apt-get install -y -qq "$package" </dev/null >&2
}
