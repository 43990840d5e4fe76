"""Small list files in the publishers' real layouts, shared by the list importer tests."""

from __future__ import annotations

from pathlib import Path

# OFAC legacy CSV: no header, `-0- ` for empty cells, CRLF line ends and a DOS EOF byte at the end.
E = "-0- "
SDN_ROWS = [
    f'36,"AEROCARIBBEAN AIRLINES",{E},"CUBA",{E},{E},{E},{E},{E},{E},{E},{E}',
    f'6703,"AMEZCUA CONTRERAS, Jose de Jesus","individual","SDNTK",{E},{E},{E},{E},{E},{E},{E},'
    '"DOB 31 Jul 1964; alt. DOB 31 Jul 1964; alt. DOB 31 Jul 1965; POB Mexico."',
    f'9338,"ARRIOLA MARQUEZ, Miguel Angel","individual","SDNTK] [SDNT",{E},{E},{E},{E},{E},{E},{E},'
    '"DOB 15 Dec 1967; POB Chihuahua, Mexico; nationality Mexico; citizen Mexico; Gender Male; '
    "R.F.C. aimm-671215-387 (Mexico); C.U.R.P. AIMM 671215 HCHRRG06 (Mexico) issued 1968; "
    "Passport 12345678 (Mexico) expires 01 Jan 2030; a.k.a. 'EL TIO'; "
    'Linked To: AUTO EXPRESS DORADOS, S.A. DE C.V."',
    '7000,"TOO FEW COLUMNS","individual"',
    f'ABC,"NOT A NUMBER",{E},"CUBA",{E},{E},{E},{E},{E},{E},{E},{E}',
    f'15036,"ARTAVIL","vessel","IRAN",{E},"T2EU4","Crude/Oil Products Tanker","99,144","56,068","Iran",{E},'
    '"Former Vessel Flag Malta; Vessel Registration Identification IMO 9187629; MMSI 572469210; '
    "f.k.a. 'ALPHA'; Linked To: NATIONAL IRANIAN TANKER COMPANY.\"",
    f'15431,"EP-GOM","aircraft","SDGT",{E},{E},{E},{E},{E},{E},{E},'
    '"Aircraft Construction Number (also called L/N or S/N or F/N) 8401; Aircraft Model IL76-TD; '
    'Linked To: POUYA AIR."',
    f'7001,"FEBRERO, Juan","individual","SDNTK",{E},{E},{E},{E},{E},{E},{E},'
    '"DOB 31 Feb 1970; alt. DOB circa 1971; POB Tijuana, Baja California, Mexico; nationality Atlantis."',
    f'7002,"RANGO, Pedro","individual","SDNTK",{E},{E},{E},{E},{E},{E},{E},'
    '"DOB 1960 to 1962; alt. DOB 01 Jan 1961 to 31 Dec 1961; Cedula No. 16247821 (Colombia)."',
]
ALT_ROWS = [
    f'6703,4395,"aka","AMESCUA, Chuey",{E}',
    '6703,4397,"aka","AMEZCUA, Chuy","weak"',
    f'15036,9001,"fka","ABADAN",{E}',
    f'99999,9002,"aka","ORPHAN ALIAS",{E}',
    f'6703,9003,"xyz","ODD TYPE",{E}',
]
ADD_ROWS = [
    f'36,25,{E},"Havana","Cuba",{E}',
    f"6703,4631,{E},{E},{E},{E}",
    f'9338,9000,"Calle Mina No. 15","Saucillo, Chihuahua","Mexico",{E}',
    f'15036,9002,{E},{E},"Atlantis",{E}',
]


def write_ofac_file(path: Path, rows: list[str], encoding: str = "utf-8") -> Path:
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode(encoding) + b"\x1a")
    return path


UN_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<CONSOLIDATED_LIST xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" dateGenerated="2026-02-27T00:00:09Z">
  <INDIVIDUALS>
    <INDIVIDUAL>
      <DATAID>111923</DATAID>
      <FIRST_NAME>AIMAN</FIRST_NAME>
      <SECOND_NAME>MUHAMMED</SECOND_NAME>
      <THIRD_NAME>RABI</THIRD_NAME>
      <FOURTH_NAME>AL-ZAWAHIRI</FOURTH_NAME>
      <UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE>
      <REFERENCE_NUMBER>QDi.006</REFERENCE_NUMBER>
      <LISTED_ON>2001-01-25</LISTED_ON>
      <NAME_ORIGINAL_SCRIPT>أيمن محمد ربيع الظواهري</NAME_ORIGINAL_SCRIPT>
      <GENDER>Male</GENDER>
      <COMMENTS1>Leader of Al-Qaida (QDe.004).</COMMENTS1>
      <TITLE><VALUE>Doctor</VALUE></TITLE>
      <NATIONALITY><VALUE>Egypt</VALUE></NATIONALITY>
      <INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Ayman Al-Zawahari</ALIAS_NAME></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>Abu Fatma</ALIAS_NAME></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ALIAS>
        <QUALITY>Good</QUALITY><ALIAS_NAME>Ahmed Fuad Salim</ALIAS_NAME>
        <DATE_OF_BIRTH>1952-02-03</DATE_OF_BIRTH><CITY_OF_BIRTH>Cairo</CITY_OF_BIRTH>
        <COUNTRY_OF_BIRTH>Egypt</COUNTRY_OF_BIRTH>
      </INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ALIAS><QUALITY/><ALIAS_NAME/></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_ADDRESS><CITY>Kabul</CITY><COUNTRY>Afghanistan</COUNTRY></INDIVIDUAL_ADDRESS>
      <INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1951-06-19</DATE></INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DATE_OF_BIRTH>
        <TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1953</FROM_YEAR><TO_YEAR>1954</TO_YEAR>
        <NOTE>Approximately</NOTE>
      </INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_PLACE_OF_BIRTH><CITY>Giza</CITY><COUNTRY>Egypt</COUNTRY></INDIVIDUAL_PLACE_OF_BIRTH>
      <INDIVIDUAL_DOCUMENT>
        <TYPE_OF_DOCUMENT>Passport</TYPE_OF_DOCUMENT><NUMBER>1084010</NUMBER>
        <ISSUING_COUNTRY>Egypt</ISSUING_COUNTRY>
      </INDIVIDUAL_DOCUMENT>
      <INDIVIDUAL_DOCUMENT>
        <TYPE_OF_DOCUMENT>Número de pasaporte</TYPE_OF_DOCUMENT><NUMBER>19820215</NUMBER>
      </INDIVIDUAL_DOCUMENT>
      <INDIVIDUAL_DOCUMENT/>
    </INDIVIDUAL>
    <INDIVIDUAL>
      <DATAID>6908000</DATAID>
      <FIRST_NAME>KIM</FIRST_NAME>
      <SECOND_NAME>CHOL</SECOND_NAME>
      <UN_LIST_TYPE>DPRK</UN_LIST_TYPE>
      <REFERENCE_NUMBER>KPi.999</REFERENCE_NUMBER>
      <INDIVIDUAL_ALIAS><QUALITY>f.k.a.</QUALITY><ALIAS_NAME>KIM CHOL-SU</ALIAS_NAME></INDIVIDUAL_ALIAS>
      <INDIVIDUAL_DATE_OF_BIRTH>
        <TYPE_OF_DATE>APPROXIMATELY</TYPE_OF_DATE><YEAR>1966</YEAR>
      </INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DATE_OF_BIRTH>
        <TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1967-02-30</DATE>
      </INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DATE_OF_BIRTH>
        <TYPE_OF_DATE>EXACT</TYPE_OF_DATE><NOTE>Nov. 1973</NOTE>
      </INDIVIDUAL_DATE_OF_BIRTH>
      <INDIVIDUAL_DOCUMENT>
        <TYPE_OF_DOCUMENT>National Identification Number</TYPE_OF_DOCUMENT>
        <TYPE_OF_DOCUMENT2>Afghan national identification card (tazkira) number 545167</TYPE_OF_DOCUMENT2>
      </INDIVIDUAL_DOCUMENT>
    </INDIVIDUAL>
    <INDIVIDUAL>
      <DATAID>6908001</DATAID>
      <REFERENCE_NUMBER>XXi.001</REFERENCE_NUMBER>
    </INDIVIDUAL>
  </INDIVIDUALS>
  <ENTITIES>
    <ENTITY>
      <DATAID>6908402</DATAID>
      <FIRST_NAME>ADF</FIRST_NAME>
      <UN_LIST_TYPE>DRC</UN_LIST_TYPE>
      <REFERENCE_NUMBER>CDe.001</REFERENCE_NUMBER>
      <ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>Allied Democratic Forces</ALIAS_NAME></ENTITY_ALIAS>
      <ENTITY_ALIAS><QUALITY>f.k.a.</QUALITY><ALIAS_NAME>ADF/NALU</ALIAS_NAME></ENTITY_ALIAS>
      <ENTITY_ADDRESS>
        <STATE_PROVINCE>North Kivu</STATE_PROVINCE><COUNTRY>Democratic Republic of the Congo</COUNTRY>
      </ENTITY_ADDRESS>
    </ENTITY>
  </ENTITIES>
</CONSOLIDATED_LIST>
"""


FTM_LINES = [
    # 1: a person in three scripts, with aliases of each grade
    '{"id": "NK-kuz", "caption": "Vitaly Yurievich KUZMENKO", "schema": "Person", "properties": {'
    '"name": ["Vitalij Kuzmenko", "Виталий Юрьевич КУЗЬМЕНКО", "Vitaly Yurievich KUZMENKO"], '
    '"lastName": ["КУЗЬМЕНКО", "KUZMENKO", "Kuzmenko"], "alias": ["Vitaly Kuzmenko"], '
    '"weakAlias": ["Vitya"], "previousName": ["Vitaly Ivanov"], '
    '"birthDate": ["1971-01-22", "1971-13-40"], "birthPlace": ["Tula"], "nationality": ["ru"], '
    '"citizenship": ["by"], "gender": ["male"], "passportNumber": ["7501 123456"], '
    '"innCode": ["366510784303"], "position": ["General Director"], "notes": ["Plant director"]}, '
    '"datasets": ["eu_fsf"], "target": true}',
    # 2: an organisation whose address is a separate Address record, referenced by a referent id
    '{"id": "NK-org", "schema": "Company", "properties": {"name": ["LLC “Inter Tobacco”", '
    '"Εταιρία περιορισμένης ευθύνης “Inter Tobacco”"], "country": ["by"], '
    '"registrationNumber": ["808000714"], "addressEntity": ["addr-123", "addr-missing"]}, "target": true}',
    # 3: the address itself
    '{"id": "NK-addr", "schema": "Address", "properties": {"full": ["Minsk Free Economic Zone, Minsk"], '
    '"city": ["Minsk"], "country": ["by"]}, "referents": ["addr-123"], "target": false}',
    # 4: not a party
    '{"id": "NK-sanction", "schema": "Sanction", "properties": {"entity": ["NK-kuz"]}}',
    # 5: a related party that is not itself sanctioned
    '{"id": "NK-rel", "schema": "Person", "properties": {"name": ["Related Person"]}, "target": false}',
    "",
    # 7: no id
    '{"schema": "Person", "properties": {"name": ["Nobody"]}}',
    # 8: not an object
    "[1, 2, 3]",
    # 9: same id again
    '{"id": "NK-kuz", "schema": "Person", "properties": {"name": ["Someone Else"]}}',
    # 10: vessel and 11: airplane
    '{"id": "NK-ship", "schema": "Vessel", "properties": {"name": ["ARTAVIL"], "imoNumber": ["9187629"], '
    '"flag": ["ir"], "callSign": ["T2EU4"], "country": ["qq"]}}',
    '{"id": "NK-plane", "schema": "Airplane", "properties": {"name": ["EP-GOM"], '
    '"registrationNumber": ["EP-GOM"], "serialNumber": ["1023409321"]}}',
    # 12: a party without any name
    '{"id": "NK-noname", "schema": "LegalEntity", "properties": {"country": ["mx"]}}',
]
