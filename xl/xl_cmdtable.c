/*
 * xl_cmdtable.c: every xl command, one entry each. Help, prefix matching and
 * bash completion are generated from this table (see xl.h to add one).
 *
 * Options text: one option a line, starting with its flags ("-p, --x  text")
 * so that the completion can pick them out.
 */
#include "xl/xl.h"

#include <stdio.h>
#include <string.h>

#include "log.h"

const struct cmd_spec cmd_table[] = {
    {"create", main_create, true, true, "Create a domain from config file <filename>",
     "[options] <ConfigFile> [options] [vars]",
     "-h, --help          Print this help.\n"
     "-p                  Leave the domain paused after it is created.\n"
     "-c                  Connect to the console after the domain is created.\n"
     "-f FILE, --defconfig=FILE\n"
     "                    Use the given configuration file.\n"
     "-q, --quiet         Quiet.\n"
     "-n, --dryrun        Dry run - prints the resulting configuration\n"
     "                    (deprecated in favour of global -N option).\n"
     "-d                  Enable debug messages.\n"
     "-F                  Run in foreground until death of the domain.\n"
     "-e                  Do not wait in the background for the death of the domain.\n"
     "-V, --vncviewer     (Xen) Connect to the VNC display: Xenon guests have none.\n"
     "-A, --vncviewer-autopass\n"
     "                    (Xen) The same, with the password: refused likewise.\n"
     "-i, --ignore-global-affinity-masks\n"
     "                    Accepted; Xenon has no global affinity masks."},
    {"list", main_list, false, false, "List information about all/some domains", "[options] [Domain...]",
     "-h, --help          Print this help.\n"
     "-l, --long          Output all VM details (JSON: configuration, state, CPU time).\n"
     "-v, --verbose       Prints out UUIDs and the shutdown reason code.\n"
     "-Z, --context       Prints out security labels (always \"-\": Xenon has no XSM).\n"
     "-c, --cpupool       Prints the cpupool the domain belongs to.\n"
     "-n, --numa          Prints out NUMA node affinity (the nodes of the CPUs its vCPUs may run on)."},
    {"config-update", main_config_update, true, true,
     "Update a running domain's saved configuration, used when the domain is restarted",
     "<Domain> <ConfigFile> [options] [vars]",
     "-h, --help          Print this help.\n"
     "-f FILE, --defconfig=FILE\n"
     "                    Use the given configuration file.\n"
     "-d                  Print the configuration (on stderr) before keeping it.\n"
     "Deprecated, as in Xen: xl keeps what changes at run time (mem-set, block-attach...)\n"
     "for a restart already. Nothing changes now; the domain keeps its name and UUID."},
    {"destroy", main_destroy, false, true, "Terminate a domain immediately", "[options] <Domain>",
     "-h, --help          Print this help.\n"
     "-f                  (Xen) Permit destroying domain 0: accepted, but Domain-0\n"
     "                    is the host itself and is never destroyed."},
    {"shutdown", main_shutdown, false, true, "Issue a shutdown signal to a domain", "[options] <-a|Domain>",
     "-h, --help          Print this help.\n"
     "-a, --all           Shutdown all guest domains.\n"
     "-w, --wait          Wait for guest(s) to complete shutdown.\n"
     "-F                  Fallback: press the power button when the guest does not\n"
     "                    answer control/shutdown (no feature-poweroff)."},
    {"reboot", main_reboot, false, true, "Issue a reboot signal to a domain", "[options] <-a|Domain>",
     "-h, --help          Print this help.\n"
     "-a, --all           Reboot all guest domains.\n"
     "-w, --wait          Wait for guest(s) to complete the reboot.\n"
     "-F                  Fallback: press the reset button when the guest does not\n"
     "                    answer control/shutdown (no feature-reboot)."},
    {"save", main_save, false, true, "Save a domain state to restore later",
     "[options] <Domain> <CheckpointFile> [<ConfigFile>]",
     "-h, --help          Print this help.\n"
     "-c                  Leave the domain running after creating the snapshot.\n"
     "-p                  Leave the domain paused after creating the snapshot.\n"
     "--json              Print the summary as JSON."},
    {"restore", main_restore, false, true, "Restore a domain from a saved state",
     "[options] [<ConfigFile>] <CheckpointFile>",
     "-h, --help          Print this help.\n"
     "-p                  Do not unpause domain after restoring it.\n"
     "-e                  Do not wait in the background for the death of the domain.\n"
     "-F                  Run in the foreground (the domain's monitor).\n"
     "-d                  Enable debug messages (show the configuration)."},
    {"migrate", main_migrate, false, true, "Migrate a domain to another host",
     "[options] <Domain> <host>",
     "-h, --help          Print this help.\n"
     "-s <sshcommand>     Use <sshcommand> instead of ssh: it is run as\n"
     "                    <sshcommand> <host> xl migrate-receive [-e] [-p] [--debug].\n"
     "-C <config>         Send <config> instead of the domain's configuration.\n"
     "-e                  Do not wait in the background on <host> for the death of the domain.\n"
     "-p                  Leave the domain paused on <host>.\n"
     "--debug             Show the configuration on <host>.\n"
     "--max-downtime <ms> The downtime target of the live pre-copy (default 100).\n"
     "--json              Print the summary as JSON."},
    {"migrate-receive", main_migrate_receive, false, true,
     "Receive a migrating domain (run by xl migrate on the other host)", "[options]",
     "-h, --help          Print this help.\n"
     "-e                  Do not wait in the background for the death of the domain.\n"
     "-p                  Leave the domain paused.\n"
     "--debug             Show the configuration."},
    {"pause", main_pause, false, true, "Pause execution of a domain", "<Domain>",
     "-h, --help          Print this help."},
    {"unpause", main_unpause, false, true, "Unpause a paused domain", "<Domain>",
     "-h, --help          Print this help."},
    {"console", main_console, false, false, "Attach to domain's console", "[options] <Domain>",
     "-h, --help          Print this help.\n"
     "-t <type>           Console type, pv or serial.\n"
     "-n <number>         Console number (0: a Xenon domain has one).\n"
     "Press ^] (Ctrl-]) to detach."},
    {"vm-list", main_vm_list, false, false, "List guest domains, excluding dom0, stubdoms, etc.", "",
     "-h, --help          Print this help."},
    {"info", main_info, false, false, "Get information about Xen host", "[options] [Key]",
     "-h, --help          Print this help.\n"
     "-n, --numa          List host NUMA topology information.\n"
     "Key                 Print only the value of the keys that start with Key."},
    {"domid", main_domid, false, false, "Convert a domain name to domain id", "<DomainName>",
     "-h, --help          Print this help."},
    {"domname", main_domname, false, false, "Convert a domain id to domain name", "<DomainId>",
     "-h, --help          Print this help."},
    {"rename", main_rename, false, true, "Rename a domain", "<Domain> <NewDomainName>",
     "-h, --help          Print this help."},
    {"top", main_top, false, false, "Monitor a host and the domains in real time", "[xentop options]",
     "-h, --help          Print this help.\n"
     "Other options are xentop's (xentop(1)): -b, -i N, -d SECONDS, -j..."},
    {"uptime", main_uptime, false, false, "Print uptime for all/some domains", "[-s] [Domain...]",
     "-h, --help          Print this help.\n"
     "-s                  Uptime in short format."},
    {"dmesg", main_dmesg, false, false, "Read and/or clear dmesg buffer", "[-c]",
     "-h, --help          Print this help.\n"
     "-c                  Clear dmesg buffer as well as printing it.\n"
     "The hypervisor's messages: the warnings of every domain's xenon-hv."},
    {"debug-keys", main_debug_keys, false, false, "Send debug keys to Xen", "<Keys>",
     "-h, --help          Print this help.\n"
     "Each key dumps into the hypervisor's messages (xl dmesg): h lists them,\n"
     "* all, m memory, q the domains, r where the vCPUs run."},
    {"block-attach", main_block_attach, true, true, "Create a new virtual block device",
     "<Domain> <disk-spec-component(s)>...",
     "-h, --help          Print this help.\n"
     "disk-spec as in xl-disk-configuration(5), e.g. target=/img/b.raw,vdev=xvdb,access=rw;\n"
     "several arguments are joined with ','. Waits for the guest to connect the disk."},
    {"block-detach", main_block_detach, false, true, "Destroy a domain's virtual block device",
     "[options] <Domain> <VirtualDevice>",
     "-h, --help          Print this help.\n"
     "-f                  Force: do not wait for the guest to release the disk.\n"
     "VirtualDevice is the vdev (xvdb) or its device number (51728)."},
    {"block-list", main_block_list, false, false, "List virtual block devices for a domain", "<Domain(s)>",
     "-h, --help          Print this help.\n"
     "Columns as Xen's, with irq and mmio-base where Xen shows evt-ch and ring-ref."},
    {"network-attach", main_network_attach, true, true, "Create a new virtual network device",
     "<Domain> [type=<type>] [mac=<mac>] [bridge=<bridge>] [ip=<ip>] [script=<script>] [vifname=<name>] "
     "[mtu=<mtu>] [devid=<devid>]",
     "-h, --help          Print this help.\n"
     "Keys as in xl-network-configuration(5); xl.conf's vif.default.* apply first.\n"
     "Waits for the guest to connect the NIC."},
    {"network-detach", main_network_detach, false, true, "Destroy a domain's virtual network device",
     "[options] <Domain> <DevId|mac>",
     "-h, --help          Print this help.\n"
     "-f                  Force: do not wait for the guest to release the NIC."},
    {"network-list", main_network_list, false, false, "List virtual network interfaces for a domain",
     "<Domain(s)>",
     "-h, --help          Print this help.\n"
     "Columns as Xen's, with irq and mmio-base where Xen shows evt-ch and the ring refs."},
    {"sched-credit", main_sched_credit, false, true, "Get/set credit scheduler parameters",
     "[-d <Domain> [-w[=WEIGHT]|-c[=CAP]]] [-s [-t TSLICE] [-r RATELIMIT] [-m DELAY]] [-p CPUPOOL]",
     "-h, --help          Print this help.\n"
     "-d DOMAIN, --domain=DOMAIN\n"
     "                    Domain to modify.\n"
     "-w WEIGHT, --weight=WEIGHT\n"
     "                    Weight (1..65535, default 256).\n"
     "-c CAP, --cap=CAP   Cap in percent of one CPU (0: none, at most 100 per vCPU).\n"
     "-s, --schedparam    Show the pool's scheduler parameters (the host kernel's).\n"
     "-t, -r, -m          (Xen) Set them: refused, they are the host kernel's.\n"
     "-p CPUPOOL, --cpupool=CPUPOOL\n"
     "                    Restrict output to CPUPOOL (only Pool-0)."},
    {"sched-credit2", main_sched_credit2, false, true, "Get/set credit2 scheduler parameters",
     "[-d <Domain> [-w[=WEIGHT]|-c[=CAP]]] [-s [-r RATELIMIT]] [-p CPUPOOL]",
     "-h, --help          Print this help.\n"
     "-d DOMAIN, --domain=DOMAIN\n"
     "                    Domain to modify.\n"
     "-w WEIGHT, --weight=WEIGHT\n"
     "                    Weight (1..65535, default 256).\n"
     "-c CAP, --cap=CAP   Cap in percent of one CPU (0: none, at most 100 per vCPU).\n"
     "-s, --schedparam    Show the pool's scheduler parameters (the host kernel's).\n"
     "-r                  (Xen) Set the rate limit: refused, Linux has none.\n"
     "-p CPUPOOL, --cpupool=CPUPOOL\n"
     "                    Restrict output to CPUPOOL (only Pool-0)."},
    {"vcpu-list", main_vcpu_list, false, false, "List the VCPUs for all/some domains", "[Domain, ...]",
     "-h, --help          Print this help."},
    {"vcpu-pin", main_vcpu_pin, false, true, "Set which CPUs a VCPU can use",
     "[option] <Domain> <VCPU|all> <Hard affinity|-|all> <Soft affinity|-|all>",
     "-h, --help          Print this help.\n"
     "-f, --force         (Xen) Force the pinning over Domain-0's boot options:\n"
     "                    accepted, nothing overrides it here.\n"
     "CPU lists as cpus= in xl.cfg(5): N, N-M, node:N, all, ^N to exclude; - keeps one."},
    {"vcpu-set", main_vcpu_set, false, true, "Set the number of active VCPUs allowed for the domain",
     "[option] <Domain> <vCPUs>",
     "-h, --help          Print this help.\n"
     "-i, --ignore-host   (Xen) Do not refuse more vCPUs than host CPUs: accepted, never refused here.\n"
     "vCPUs 0..<vCPUs>-1 are online, the others of maxvcpus offline (the guest takes them down)."},
    {"trigger", main_trigger, false, true, "Send a trigger to a domain",
     "<Domain> <nmi|reset|init|power|sleep|s3resume> [<VCPU>]",
     "-h, --help          Print this help.\n"
     "nmi: an NMI to the vCPU (0 by default); init: stop a secondary vCPU as an INIT IPI;\n"
     "reset: reboot the domain at once (on_reboot applies); power: the power button;\n"
     "sleep, s3resume: refused (no sleep state)."},
    {"sysrq", main_sysrq, false, true, "Send a sysrq to a domain", "<Domain> <letter>",
     "-h, --help          Print this help.\n"
     "Xenon's guest knows h (help), t (vCPU states), b (reboot), o (power off), c (crash)."},
    {"button-press", main_button_press, false, true, "Indicate an ACPI button press to the domain",
     "<Domain> <Button>",
     "-h, --help          Print this help.\n"
     "<Button> may be 'power' (the guest powers off) or 'sleep' (refused: no sleep state)."},
    {"cpupool-create", main_cpupool_create, true, true, "Create a new CPU pool",
     "[options] [<ConfigFile>] [Variable=value ...]",
     "-h, --help          Print this help.\n"
     "-f FILE, --defconfig=FILE\n"
     "                    Use the given configuration file.\n"
     "-n, --dryrun        Dry run - prints the resulting configuration.\n"
     "Keys: name, sched (credit or credit2), cpus (\"1,3-4\" or a list), nodes (a list)."},
    {"cpupool-list", main_cpupool_list, false, false, "List CPU pools on host", "[-c|--cpus] [<CPU Pool>]",
     "-h, --help          Print this help.\n"
     "-c, --cpus          Output list of CPUs used by a pool."},
    {"cpupool-destroy", main_cpupool_destroy, false, true, "Deactivates a CPU pool", "<CPU Pool>",
     "-h, --help          Print this help."},
    {"cpupool-rename", main_cpupool_rename, false, true, "Renames a CPU pool", "<CPU Pool> <new name>",
     "-h, --help          Print this help."},
    {"cpupool-cpu-add", main_cpupool_cpu_add, false, true, "Adds a CPU to a CPU pool",
     "<CPU Pool> <CPU nr>|node:<node nr>", "-h, --help          Print this help.\n"
     "CPUs as cpus= in xl.cfg(5); they come from Pool-0."},
    {"cpupool-cpu-remove", main_cpupool_cpu_remove, false, true, "Removes a CPU from a CPU pool",
     "<CPU Pool> <CPU nr>|node:<node nr>", "-h, --help          Print this help.\n"
     "The CPUs go back to Pool-0."},
    {"cpupool-migrate", main_cpupool_migrate, false, true, "Moves a domain into a CPU pool",
     "<Domain> <CPU Pool>", "-h, --help          Print this help."},
    {"cpupool-numa-split", main_cpupool_numa_split, false, true, "Splits up the machine into one CPU pool per NUMA node",
     "", "-h, --help          Print this help."},
    {"mem-set", main_mem_set, false, true, "Set the current memory usage for a domain", "<Domain> <Mem>",
     "-h, --help          Print this help.\n"
     "<Mem> is a number with an optional unit: b, k, m (the default), g or t.\n"
     "The guest's balloon driver gives memory back to the host or takes it again;\n"
     "at most the domain's maximum (xl mem-max)."},
    {"mem-max", main_mem_max, false, true, "Set the maximum amount reservation for a domain",
     "<Domain> <Mem>",
     "-h, --help          Print this help.\n"
     "<Mem> as for mem-set; at least the current target, at most the RAM the domain\n"
     "was created with (maxmem=)."},
    {"claims", main_claims, false, false, "List outstanding claim information about all domains", "",
     "-h, --help          Print this help.\n"
     "Claimed: memory (MiB) a domain may still take without asking: its target, or\n"
     "what it holds if more, less what the host backs already. A new domain must fit\n"
     "in what the host has available less these (xl.conf's claim_mode=1, the default)."},
    {"getenforce", main_getenforce, false, false, "Returns the current enforcing mode of the Flask Xen security module",
     "", "-h, --help          Print this help.\n"
     "Xenon has no XSM: it says \"Flask XSM Disabled\", as Xen's xl without it (status 1)."},
    {"setenforce", main_setenforce, false, true, "Sets the current enforcing mode of the Flask Xen security module",
     "<1|0|Enforcing|Permissive>", "-h, --help          Print this help.\n"
     "Xenon has no XSM: it says \"Flask XSM disabled\" (status 1)."},
    {"loadpolicy", main_loadpolicy, false, true, "Loads a new policy into the Flask Xen security module",
     "<policy file>", "-h, --help          Print this help.\n"
     "Xenon has no XSM: it says \"Flask XSM disabled\" (status 1)."},
    {"dump-core", main_dump_core, false, false, "Core dump a domain", "<Domain> <filename>",
     "-h, --help          Print this help.\n"
     "An ELF core of the guest's memory and vCPU registers; gdb opens it with the guest's kernel."},
    {"completion", main_completion, false, false, "Print a shell completion script for xl", "bash",
     "-h, --help          Print this help.\n"
     "Install with: xl completion bash > /usr/share/bash-completion/completions/xl"},
};

const int cmd_table_len = sizeof(cmd_table) / sizeof(cmd_table[0]);

/*
 * The commands of Xen's xl (4.17) that Xenon does not have (yet). They
 * count when matching prefixes, so that a prefix is taken only where Xen's
 * xl takes it too ("xl sh" is shutdown or sharing there, so ambiguous
 * here), and naming one says it is Xen's rather than unknown.
 */
static const char *const xen_only_commands[] = {
    "pci-attach", "pci-detach", "pci-list", "pci-assignable-add", "pci-assignable-remove",
    "pci-assignable-list", "vncviewer",
    "cd-insert", "cd-eject",
    "sharing", "sched-rtds",
    "set-parameters", "top", "channel-list", "vtpm-attach", "vtpm-list", "vtpm-detach",
    "vdispl-attach", "vdispl-list", "vdispl-detach", "vsnd-attach", "vsnd-list", "vsnd-detach", "vkb-attach",
    "vkb-list", "vkb-detach", "remus", "devd", "psr-hwinfo", "psr-cmt-attach", "psr-cmt-detach",
    "psr-cmt-show", "psr-cat-set", "psr-cat-show", "psr-mba-set", "psr-mba-show", "usbctrl-attach",
    "usbctrl-detach", "usbdev-attach", "usbdev-detach", "usb-list", "qemu-monitor-command",
};

#define N_XEN_ONLY ((int)(sizeof(xen_only_commands) / sizeof(xen_only_commands[0])))

static const struct cmd_spec *table_find_exact(const char *name)
{
	for (int i = 0; i < cmd_table_len; i++)
		if (!strcmp(cmd_table[i].name, name))
			return &cmd_table[i];
	return NULL;
}

/*
 * The one name, of both tables, that name is or uniquely abbreviates
 * (an exact match wins, as in Xen); NULL with *ambiguous for several.
 */
static const char *match_name(const char *name, bool *ambiguous)
{
	const char *found = NULL;
	size_t len = strlen(name);
	int i, matches = 0;

	*ambiguous = false;
	if (!len)
		return NULL;
	for (i = 0; i < cmd_table_len + N_XEN_ONLY; i++) {
		const char *c = i < cmd_table_len ? cmd_table[i].name : xen_only_commands[i - cmd_table_len];

		if (i >= cmd_table_len && table_find_exact(c))
			continue; /* Xenon has it now: counted once */
		if (!strcmp(c, name))
			return c;
		if (!strncmp(c, name, len)) {
			found = c;
			matches++;
		}
	}
	if (matches > 1) {
		*ambiguous = true;
		return NULL;
	}
	return found;
}

const struct cmd_spec *cmdtable_lookup(const char *name, bool *ambiguous)
{
	const char *c = match_name(name, ambiguous);

	return c ? table_find_exact(c) : NULL;
}

const char *cmdtable_xen_only(const char *name)
{
	bool ambiguous;
	const char *c = match_name(name, &ambiguous);

	return c && !table_find_exact(c) ? c : NULL;
}

/* ---- bash completion, generated from the table ------------------------- */

/* The flags a command's option text starts its lines with ("-c", "--quiet"). */
static void print_flags(const char *options)
{
	const char *line = options;

	while (line && *line) {
		const char *p = line, *eol = strchr(line, '\n');

		/* Flags are at the start of a line, separated by ", ". */
		while (*p == '-') {
			size_t n = strcspn(p, " ,=\n");

			printf(" %.*s", (int)n, p);
			p += n;
			if (*p == '=')
				p += strcspn(p, " ,\n");
			if (p[0] == ' ' && p[1] != '-')
				p += strcspn(p, ",\n"); /* "-f FILE, --defconfig" */
			if (p[0] == ',' && p[1] == ' ')
				p += 2;
			else
				break;
		}
		line = eol ? eol + 1 : NULL;
	}
}

static void print_bash_completion(void)
{
	int i;

	printf("# bash completion for xl; generated by `xl completion bash`.\n"
	       "_xl_domains()\n{\n"
	       "\txl list 2>/dev/null | awk 'NR > 1 { print $1 }'\n}\n\n"
	       "_xl()\n{\n"
	       "\tlocal cur=${COMP_WORDS[COMP_CWORD]} cmd='' i opts='' args=''\n"
	       "\tfor ((i = 1; i < COMP_CWORD; i++)); do\n"
	       "\t\tcase ${COMP_WORDS[i]} in -*) ;; *) cmd=${COMP_WORDS[i]}; break ;; esac\n"
	       "\tdone\n"
	       "\tif [ -z \"$cmd\" ]; then\n"
	       "\t\tif [[ $cur == -* ]]; then\n"
	       "\t\t\tCOMPREPLY=($(compgen -W '-v -N -f -t -T -h' -- \"$cur\"))\n"
	       "\t\telse\n"
	       "\t\t\tCOMPREPLY=($(compgen -W 'help");
	for (i = 0; i < cmd_table_len; i++)
		printf(" %s", cmd_table[i].name);
	printf("' -- \"$cur\"))\n\t\tfi\n\t\treturn\n\tfi\n\tcase $cmd in\n");
	for (i = 0; i < cmd_table_len; i++) {
		const struct cmd_spec *c = &cmd_table[i];

		printf("\t%s) opts='", c->name);
		if (c->options)
			print_flags(c->options);
		if (!c->options || !strstr(c->options, "--help"))
			printf(" --help");
		printf("'");
		/* <Domain>, [Domain...], <-a|Domain>: the command takes domains. */
		if (strstr(c->usage, "Domain"))
			printf("; args=domain");
		else if (strstr(c->usage, "File>") || strstr(c->usage, "<filename>"))
			printf("; args=file");
		printf(" ;;\n");
	}
	printf("\thelp) args=command ;;\n"
	       "\tesac\n"
	       "\tif [[ $cur == -* ]]; then\n"
	       "\t\tCOMPREPLY=($(compgen -W \"$opts\" -- \"$cur\"))\n"
	       "\telif [ \"$args\" = domain ]; then\n"
	       "\t\tCOMPREPLY=($(compgen -W \"$(_xl_domains)\" -- \"$cur\"))\n"
	       "\telif [ \"$args\" = file ]; then\n"
	       "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
	       "\telif [ \"$args\" = command ]; then\n"
	       "\t\tCOMPREPLY=($(compgen -W '");
	for (i = 0; i < cmd_table_len; i++)
		printf("%s%s", i ? " " : "", cmd_table[i].name);
	printf("' -- \"$cur\"))\n\tfi\n}\ncomplete -F _xl xl\n");
}

int main_completion(int argc, char **argv)
{
	int opt;

	SWITCH_FOREACH_OPT(opt, "", NULL, "completion", 1)
	{
	default:
		break;
	}
	if (strcmp(argv[optind], "bash")) {
		log_warnx("completion: unsupported shell '%s'; only 'bash' is supported", argv[optind]);
		return 1;
	}
	print_bash_completion();
	return fflush(stdout) ? 1 : 0;
}
