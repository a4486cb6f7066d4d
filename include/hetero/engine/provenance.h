/*
 * provenance.h - what the layers above core add to every report's provenance.
 *
 * core/provenance.h writes what core can read itself; this registers the providers of the rest:
 * "opencl" (the installed platforms and their versions), "openblas" (version and core type) and
 * "cuda" (whether the build has it and the devices found).  Called once by main before the
 * command; each provider runs only when a JSON document is written.
 */
#ifndef HETERO_ENGINE_PROVENANCE_H
#define HETERO_ENGINE_PROVENANCE_H

void hx_engine_provenance_init(void);

#endif
