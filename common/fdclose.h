/*
 * Closing what a child inherited: a daemon, a sandboxed helper or a
 * program about to be exec'd keeps only the descriptors it is meant to
 * hold (a caller's pipe held on by a daemon keeps the caller waiting for
 * its EOF: a shell's $(...), a test runner, sshd).
 */
#ifndef XENON_FDCLOSE_H
#define XENON_FDCLOSE_H

/*
 * Close every descriptor numbered from `from` up, but those in keep[0..n)
 * (any order; negative ones and those below `from` are ignored; keep is
 * sorted in place). Plain system calls only (no malloc, no stdio): safe in
 * a fork or clone(CLONE_VM) child.
 */
void fd_close_except(unsigned from, int *keep, int n);

#endif
