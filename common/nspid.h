/*
 * Thread ids across PID namespaces (/proc's NSpid lines): a process in a
 * PID namespace of its own (xenon-hv, xenon-hv(8) SANDBOX) knows its threads
 * by that namespace's ids, /proc and the host's tools by the host's.
 */
#ifndef XENON_NSPID_H
#define XENON_NSPID_H

/*
 * The NSpid line of a task's status file (path relative to dirfd, or
 * AT_FDCWD): its id in the namespace of that /proc (*outer) and in its own,
 * innermost one (*inner; the same when it has no namespace of its own).
 * 0, or -ENOENT (no such file), -EPROTO (no NSpid line: a kernel before 4.1).
 */
int nspid_read_at(int dirfd, const char *path, int *outer, int *inner);

/*
 * The task of a task directory (/proc/<pid>/task opened as dirfd) whose
 * innermost id is tid: its id as that /proc names it (> 0). Only the
 * directory's own tasks are looked at: -ESRCH when none is tid (a thread
 * of another process, or none), -errno when the directory cannot be read.
 * On a kernel without NSpid lines, tid itself if it is one of the tasks.
 */
int nspid_task_at(int task_dirfd, int tid);

/* The same for /proc/<pid>/task. */
int nspid_task(int pid, int tid);

/*
 * fork(), the child the first process (pid 1, the init) of a PID namespace
 * of its own: the child's pid in the parent, 0 in the child, -errno (EPERM
 * without CAP_SYS_ADMIN). A raw clone3: the child keeps to plain system
 * calls until it execs (no malloc, no atfork handlers ran, and glibc's idea
 * of its thread id is its parent's).
 */
int nspid_fork_newpid(void);

/* This process's id as /proc (mounted in the host's namespace) names it; getpid() if unknown. */
int nspid_self(void);

#endif
