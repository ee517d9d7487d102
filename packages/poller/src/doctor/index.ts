export { type DoctorCheck, formatCheck } from './doctor-check.js';
export { type DoctorOptions, runDoctor } from './run-doctor.js';
